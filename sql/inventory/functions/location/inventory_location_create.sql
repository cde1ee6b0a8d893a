-- Creates a stock location: code unique per tenant (trim + NFKC + case folding), a name, a
-- usage (internal, view, supplier, customer, inventory, transit) and an optional active parent.
CREATE OR REPLACE FUNCTION erp.inventory_location_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_name text,
    p_usage text,
    p_parent_id uuid DEFAULT NULL
) RETURNS erp.inventory_locations
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.inventory_locations;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_row.code := btrim(p_code, E' \t\r\n');
    v_row.name := btrim(p_name, E' \t\r\n');
    v_row.usage := p_usage;
    v_row.parent_id := p_parent_id;
    PERFORM erp._inventory_location_validate(v_row);
    PERFORM erp._inventory_location_parent_check(p_tenant_id, NULL, v_row);
    RETURN erp._inventory_location_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
END
$fn$;
COMMENT ON FUNCTION erp.inventory_location_create(uuid, uuid, text, text, text, text, text, uuid) IS
    'Creates a stock location (code unique per tenant; usage; optional parent; audited).';
REVOKE ALL ON FUNCTION erp.inventory_location_create(uuid, uuid, text, text, text, text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_location_create(uuid, uuid, text, text, text, text, text, uuid)
TO erp_app, erp_admin;
