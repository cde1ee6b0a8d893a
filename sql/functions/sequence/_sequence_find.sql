-- The sequence with this code in this tenant (code compared by its key); ZE001 if none,
-- ZE003 for an empty code, ZE009 for an archived sequence (archived through the generic
-- writer: it issues no more numbers). On the allocation path: the key is computed once.
CREATE OR REPLACE FUNCTION erp._sequence_find(p_tenant_id uuid, p_code text)
RETURNS erp.erp_sequences
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_row erp.erp_sequences;
BEGIN
    SELECT s.* INTO v_row FROM erp.erp_sequences AS s
    WHERE s.tenant_id = p_tenant_id AND s.code_key = erp._code_key(p_code);
    IF NOT FOUND THEN
        -- a stored code_key is never empty (CHECK), so an empty or NULL code lands here
        IF p_code IS NULL OR erp._code_key(p_code) = '' THEN
            RAISE EXCEPTION 'sequence code is empty' USING ERRCODE = 'ZE003';
        END IF;
        RAISE EXCEPTION 'sequence % not found in this tenant', quote_literal(p_code)
            USING ERRCODE = 'ZE001', HINT = 'Create it with erp.sequence_create.';
    END IF;
    IF NOT v_row.active THEN
        RAISE EXCEPTION 'sequence % is archived and issues no numbers', quote_literal(v_row.code)
            USING ERRCODE = 'ZE009', HINT = 'Restore it, or use another sequence.';
    END IF;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_find(uuid, text) IS
    'Active sequence by code in a tenant (ZE001 missing, ZE003 empty code, ZE009 archived).';
