-- The tenant's default location of a role (stock, suppliers, customers, inventory); ZE009
-- when erp.inventory_setup has not run for the tenant.
CREATE OR REPLACE FUNCTION erp._inventory_default_location(p_tenant_id uuid, p_role text) RETURNS uuid
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_id uuid;
BEGIN
    SELECT l.id INTO v_id FROM erp.inventory_locations AS l WHERE l.tenant_id = p_tenant_id AND l.role = p_role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the tenant has no default % location', p_role
            USING ERRCODE = 'ZE009', HINT = 'Run erp.inventory_setup once for the tenant, or name the locations.';
    END IF;
    RETURN v_id;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_default_location(uuid, text) IS
    'The tenant''s default location of a role (ZE009 before erp.inventory_setup).';
