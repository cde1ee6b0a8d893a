-- Fragment of erp._<prefix>_patch and _from_json for tables with a column of another type
-- (enum, array, ...): its value is cast from text and can still be refused, so only then does
-- the conversion run in an exception block, which refuses it as ZE003.
CREATE OR REPLACE FUNCTION erp_meta._template_conversion_guard() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION '{{entity}}: %', pg_catalog.left(SQLERRM, 200) USING ERRCODE = 'ZE003',
        HINT = 'Check the types of the values.';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_conversion_guard() IS
    'Generator template (placeholders: entity).';
