-- Why erp._sequence_lookup found nothing: ZE006 for an unknown or inactive tenant, ZE003 for an
-- empty code, ZE001 for an unknown code, ZE009 for an archived sequence (archived through the
-- generic writer: it issues no more numbers). Runs only on that path.
CREATE OR REPLACE FUNCTION erp._sequence_missing(p_tenant_id uuid, p_code text) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_code text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id AND t.active) THEN
        RAISE EXCEPTION 'unknown or inactive tenant %', coalesce(p_tenant_id::text, 'NULL')
            USING ERRCODE = 'ZE006', HINT = 'Create the tenant with erp.tenant_create first.';
    END IF;
    -- a stored code_key is never empty (CHECK), so an empty or NULL code lands here
    IF p_code IS NULL OR erp._code_key(p_code) = '' THEN
        RAISE EXCEPTION 'sequence code is empty' USING ERRCODE = 'ZE003';
    END IF;
    SELECT s.code INTO v_code FROM erp.erp_sequences AS s
    WHERE s.tenant_id = p_tenant_id AND s.code_key = erp._code_key(p_code);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sequence % not found in this tenant', erp._clip(p_code, 40)
            USING ERRCODE = 'ZE001', HINT = 'Create it with erp.sequence_create.';
    END IF;
    RAISE EXCEPTION 'sequence % is archived and issues no numbers', erp._clip(v_code, 40)
        USING ERRCODE = 'ZE009', HINT = 'Restore it, or use another sequence.';
END
$fn$;
COMMENT ON FUNCTION erp._sequence_missing(uuid, text) IS
    'Raises why no active sequence was found: ZE006 tenant, ZE003 empty code, ZE001 unknown, ZE009 archived.';
