-- Fragment of the dispatchers erp._json_insert and erp._json_update: the branch of an entity
-- type that is not registered.
CREATE OR REPLACE FUNCTION erp_meta._template_unknown_entity() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
ELSE
    RAISE EXCEPTION 'unknown entity type %', erp._clip(p_entity_type)
        USING ERRCODE = 'ZE003',
        HINT = 'Entity types are registered in erp_meta.entity_types (e.g. erp.base.uom).';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_unknown_entity() IS
    'Generator template (no placeholders).';
