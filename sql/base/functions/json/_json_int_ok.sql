-- A JSON value an integer column accepts: null, or a JSON number that is whole and in range.
CREATE OR REPLACE FUNCTION erp._json_int_ok(p_value jsonb, p_min numeric, p_max numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT CASE pg_catalog.jsonb_typeof(p_value)
        WHEN 'null' THEN true
        WHEN 'number' THEN p_value::numeric = pg_catalog.trunc(p_value::numeric)
            AND p_value::numeric BETWEEN p_min AND p_max
        ELSE false
    END
$fn$;
COMMENT ON FUNCTION erp._json_int_ok(jsonb, numeric, numeric) IS 'JSON null or a whole JSON number in [p_min, p_max].';
