-- A uuid given in JSON (a canonical uuid string); ZE003 naming p_what otherwise. NULL stays NULL.
CREATE OR REPLACE FUNCTION erp._inventory_json_uuid(p_value jsonb, p_what text) RETURNS uuid
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_value IS NULL OR pg_catalog.jsonb_typeof(p_value) = 'null' THEN
        RETURN NULL;
    END IF;
    IF NOT erp._json_uuid_ok(p_value) THEN
        RAISE EXCEPTION '% must be a uuid, not %', p_what, erp._clip(p_value::text, 40) USING ERRCODE = 'ZE003';
    END IF;
    RETURN (p_value #>> '{}')::uuid;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_json_uuid(jsonb, text) IS 'A JSON uuid string as uuid (ZE003 otherwise).';
