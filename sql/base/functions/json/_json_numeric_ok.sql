-- A JSON value a numeric column accepts: null, a JSON number, or a string holding a decimal
-- number (exact decimals travel as strings: "19.90"). NaN and Infinity are not numbers here.
CREATE OR REPLACE FUNCTION erp._json_numeric_ok(p_value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.jsonb_typeof(p_value) IN ('number', 'null') OR (pg_catalog.jsonb_typeof(p_value) = 'string'
        AND (p_value #>> '{}') ~ '^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,4})?\s*$')
$fn$;
COMMENT ON FUNCTION erp._json_numeric_ok(jsonb) IS 'JSON null, a JSON number or a decimal number as a string.';
