-- Seals every committed, not yet sealed event of a tenant (all tenants when NULL) into the
-- next blocks of the tenant's SHA-256 chain (erp._audit_seal_tenant). Never blocks writers,
-- safe to run concurrently (a tenant being sealed by another run is skipped) and again after
-- a crash (one transaction). Run it periodically: pg_cron, or `python -m harness audit seal
-- --every 300`. Returns the blocks written. An unknown tenant is ZE006.
CREATE OR REPLACE FUNCTION erp.audit_seal(p_tenant_id uuid DEFAULT NULL)
RETURNS TABLE (tenant_id uuid, block_no bigint, events bigint, hash text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_tenant uuid;
BEGIN
    IF p_tenant_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id) THEN
        RAISE EXCEPTION 'unknown tenant %', p_tenant_id USING ERRCODE = 'ZE006';
    END IF;
    FOR v_tenant IN
        SELECT t.id FROM erp.erp_tenants AS t WHERE p_tenant_id IS NULL OR t.id = p_tenant_id ORDER BY t.id
    LOOP
        RETURN QUERY SELECT * FROM erp._audit_seal_tenant(v_tenant);
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp.audit_seal(uuid) IS
    'Seals committed, unsealed audit events of one tenant (or all) into its SHA-256 chain; returns the new blocks.';
REVOKE ALL ON FUNCTION erp.audit_seal(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_seal(uuid) TO erp_admin;
