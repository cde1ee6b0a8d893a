CREATE OR REPLACE FUNCTION erp.sequence_get(p_tenant_id uuid, p_id uuid) RETURNS erp.erp_sequences
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_sequences;
BEGIN
    SELECT s.* INTO v_row FROM erp.erp_sequences AS s WHERE s.tenant_id = p_tenant_id AND s.id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sequence % not found in this tenant', coalesce(p_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.sequence_get(uuid, uuid) IS 'One sequence definition (ZE001 if missing).';
REVOKE ALL ON FUNCTION erp.sequence_get(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_get(uuid, uuid) TO erp_app, erp_admin;
