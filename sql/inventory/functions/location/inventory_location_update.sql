-- Patches a stock location (code, name, parent_id). Usage and the default role are fixed at
-- creation (ZE003): the balances and open moves of a location were made under its usage. A
-- new parent must be active and not the location itself or one of its descendants (ZE009).
CREATE OR REPLACE FUNCTION erp.inventory_location_update(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_patch jsonb,
    p_expected_version bigint DEFAULT NULL
) RETURNS erp.inventory_locations
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.inventory_locations;
    v_new erp.inventory_locations;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    IF p_patch ? 'parent_id' THEN
        PERFORM erp._inventory_tree_lock(p_tenant_id);  -- before any other row lock
    END IF;
    v_old := erp._inventory_location_lock(p_tenant_id, p_id, p_expected_version);
    v_new := erp._inventory_location_patch(v_old, p_patch);
    v_new.code := btrim(v_new.code, E' \t\r\n');
    v_new.name := btrim(v_new.name, E' \t\r\n');
    PERFORM erp._inventory_location_validate(v_new);
    IF v_new.parent_id IS DISTINCT FROM v_old.parent_id THEN
        PERFORM erp._inventory_location_parent_check(p_tenant_id, v_old, v_new);
    END IF;
    RETURN erp._inventory_location_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
END
$fn$;
COMMENT ON FUNCTION erp.inventory_location_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a stock location: code, name, parent (audited; no event when nothing changes).';
REVOKE ALL ON FUNCTION erp.inventory_location_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_location_update(uuid, uuid, text, text, uuid, jsonb, bigint)
TO erp_app, erp_admin;
