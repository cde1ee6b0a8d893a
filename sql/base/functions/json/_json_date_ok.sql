-- A JSON value a date column accepts: null or "YYYY-MM-DD", a real calendar day of 0001-9999.
CREATE OR REPLACE FUNCTION erp._json_date_ok(p_value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT CASE
        WHEN pg_catalog.jsonb_typeof(p_value) = 'null' THEN true
        WHEN pg_catalog.jsonb_typeof(p_value) <> 'string' THEN false
        ELSE erp._date_text_ok(p_value #>> '{}')
    END
$fn$;
COMMENT ON FUNCTION erp._json_date_ok(jsonb) IS 'JSON null or an ISO date string of a real day.';
