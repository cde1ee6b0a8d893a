CREATE OR REPLACE FUNCTION erp.tenant_get(p_tenant_id uuid) RETURNS erp.erp_tenants
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_tenants;
BEGIN
    SELECT t.* INTO v_row FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'tenant % not found', coalesce(p_tenant_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.tenant_get(uuid) IS 'The tenant row (ZE001 if there is none).';
REVOKE ALL ON FUNCTION erp.tenant_get(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.tenant_get(uuid) TO erp_app, erp_admin;
