-- The end of a tenant's seal chain: the value to hand to an auditor or to anchor elsewhere
-- (a later audit_seal_verify can only prove that no block was cut off the tail against a head
-- handed out earlier). No row for a tenant never sealed; an unknown tenant is ZE006.
CREATE OR REPLACE FUNCTION erp.audit_seal_head(p_tenant_id uuid)
RETURNS TABLE (block_no bigint, hash text, events bigint, sealed_through timestamptz)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id) THEN
        RAISE EXCEPTION 'unknown tenant %', coalesce(p_tenant_id::text, 'NULL') USING ERRCODE = 'ZE006';
    END IF;
    RETURN QUERY
    SELECT h.block_no, h.hash, h.events,
        (SELECT e.created_at FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = h.tenant_id AND e.xact_id = h.through_xact AND e.id = h.through_id)
    FROM erp.erp_audit_seal_heads AS h
    WHERE h.tenant_id = p_tenant_id AND h.block_no > 0;
END
$fn$;
COMMENT ON FUNCTION erp.audit_seal_head(uuid) IS
    'Last block number, hash and sealed event count of a tenant''s seal chain.';
REVOKE ALL ON FUNCTION erp.audit_seal_head(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_seal_head(uuid) TO erp_auditor, erp_admin;
