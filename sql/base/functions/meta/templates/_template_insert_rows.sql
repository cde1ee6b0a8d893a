-- Fragment of erp._<prefix>_insert and _create: the statement that inserts the rows of
-- {{rows}} (an array unnested, or one row), ON CONFLICT DO NOTHING (a taken key is named by
-- erp._<prefix>_duplicate), feeding one created event each ({{audit}}).
CREATE OR REPLACE FUNCTION erp_meta._template_insert_rows() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
WITH ins AS (
    INSERT INTO {{table}} AS t (
        {{columns}}
    )
    SELECT
        {{values}}
    FROM {{rows}}
    ON CONFLICT DO NOTHING
    RETURNING t.*
), {{audit}}
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_insert_rows() IS
    'Generator template (placeholders: table, columns, values, rows, audit).';
