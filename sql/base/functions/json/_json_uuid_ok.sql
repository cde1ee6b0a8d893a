-- A JSON value a uuid column accepts: null or a string in the canonical 8-4-4-4-12 form.
-- The generated writers check values before casting them, so a bad value is ZE003 naming its
-- field, never a raw 22P02, and no write path needs an exception block (a subtransaction).
CREATE OR REPLACE FUNCTION erp._json_uuid_ok(p_value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.jsonb_typeof(p_value) = 'null' OR (pg_catalog.jsonb_typeof(p_value) = 'string'
        AND (p_value #>> '{}') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
$fn$;
COMMENT ON FUNCTION erp._json_uuid_ok(jsonb) IS 'JSON null or a canonical UUID string.';
