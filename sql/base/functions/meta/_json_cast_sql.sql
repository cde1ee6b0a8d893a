-- SQL converting a JSON value that passed erp_meta._json_ok_sql to the column's type; only
-- kind "other" can still fail (the generated code catches that case, and only that case).
CREATE OR REPLACE FUNCTION erp_meta._json_cast_sql(p_kind text, p_type text, p_value text) RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT CASE p_kind
        WHEN 'jsonb' THEN format(E'CASE WHEN pg_catalog.jsonb_typeof(%1$s) <> ''null''\n    THEN %1$s::%2$s END',
            p_value, p_type)
        WHEN 'boolean' THEN format('(%s #>> ''{}'')::boolean', p_value)
        WHEN 'int' THEN format('(%s #>> ''{}'')::numeric::%s', p_value, p_type)
        ELSE format('(%s #>> ''{}'')::%s', p_value, p_type)
    END
$fn$;
COMMENT ON FUNCTION erp_meta._json_cast_sql(text, text, text) IS
    'SQL converting a checked JSON value to a column type.';
