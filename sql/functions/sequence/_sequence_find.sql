-- The active sequence with this code in this tenant, and the tenant's time zone; raises ZE006
-- for an unknown tenant, ZE003 for an empty code, ZE001 for an unknown code, ZE009 for an
-- archived sequence (archived through the generic writer: it issues no more numbers).
-- The allocation path reads both in one query and calls this only to explain a miss.
CREATE OR REPLACE FUNCTION erp._sequence_find(p_tenant_id uuid, p_code text, OUT seq erp.erp_sequences, OUT timezone text)
LANGUAGE plpgsql STABLE
AS $fn$
BEGIN
    SELECT t.timezone INTO timezone FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id AND t.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown or inactive tenant %', coalesce(p_tenant_id::text, 'NULL')
            USING ERRCODE = 'ZE006', HINT = 'Create the tenant with erp.tenant_create first.';
    END IF;
    SELECT s.* INTO seq FROM erp.erp_sequences AS s
    WHERE s.tenant_id = p_tenant_id AND s.code_key = erp._code_key(p_code);
    IF NOT FOUND THEN
        -- a stored code_key is never empty (CHECK), so an empty or NULL code lands here
        IF p_code IS NULL OR erp._code_key(p_code) = '' THEN
            RAISE EXCEPTION 'sequence code is empty' USING ERRCODE = 'ZE003';
        END IF;
        RAISE EXCEPTION 'sequence % not found in this tenant', erp._clip(p_code, 40)
            USING ERRCODE = 'ZE001', HINT = 'Create it with erp.sequence_create.';
    END IF;
    IF NOT seq.active THEN
        RAISE EXCEPTION 'sequence % is archived and issues no numbers', erp._clip(seq.code, 40)
            USING ERRCODE = 'ZE009', HINT = 'Restore it, or use another sequence.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_find(uuid, text) IS
    'Active sequence by code and the tenant''s zone (ZE006 tenant, ZE001 missing, ZE003 empty code, ZE009 archived).';
