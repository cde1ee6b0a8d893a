-- The tenants of the installation, for consumers that work across tenants (the stream, seal
-- and verify commands) and have no table access. Installation-wide: it takes no tenant.
CREATE OR REPLACE FUNCTION erp.audit_tenants()
RETURNS TABLE (tenant_id uuid, name text, active boolean, created_at timestamptz)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN QUERY SELECT t.id, t.name, t.active, t.created_at FROM erp.erp_tenants AS t ORDER BY t.created_at, t.id;
END
$fn$;
COMMENT ON FUNCTION erp.audit_tenants() IS 'Every tenant (id, name, active, created_at), for cross-tenant audit tools.';
REVOKE ALL ON FUNCTION erp.audit_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_tenants() TO erp_auditor, erp_admin;
