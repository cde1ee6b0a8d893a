-- Reserves stock for a confirmed picking's moves at their sources. p_partial (default): what
-- is available is reserved, moves become partially_available or assigned, nothing available
-- is not an error; otherwise every move is reserved fully or ZE010 (DETAIL product, location,
-- available, requested) with nothing reserved. The moves are served in (product, location)
-- order, the global lock order of balances. An assigned picking is returned as it is; a draft,
-- done or cancelled one is ZE009.
CREATE OR REPLACE FUNCTION erp.inventory_picking_reserve(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_picking_id uuid,
    p_partial boolean DEFAULT true,
    p_expected_version bigint DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_picking erp.inventory_pickings;
    v_move erp.inventory_moves;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    IF p_partial IS NULL THEN
        RAISE EXCEPTION 'p_partial is true or false, not NULL' USING ERRCODE = 'ZE003';
    END IF;
    v_picking := erp._inventory_picking_open(p_tenant_id, p_picking_id, p_expected_version,
        '{confirmed,assigned}', 'reserved');
    IF v_picking.state = 'assigned' THEN
        RETURN erp.inventory_picking_get(p_tenant_id, p_picking_id);
    END IF;
    FOR v_move IN
        SELECT m.* FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking_id
            AND m.state IN ('confirmed', 'partially_available')
        ORDER BY m.product_id, m.from_location_id, m.position
    LOOP
        PERFORM erp._inventory_move_reserve(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_move, p_partial);
    END LOOP;
    PERFORM erp._inventory_picking_set_state(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        v_picking, NULL, 'reserved');
    RETURN erp.inventory_picking_get(p_tenant_id, p_picking_id);
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_reserve(uuid, uuid, text, text, uuid, boolean, bigint) IS
    'Reserves stock for a confirmed picking (partial, or all-or-nothing with ZE010); audited.';
REVOKE ALL ON FUNCTION erp.inventory_picking_reserve(uuid, uuid, text, text, uuid, boolean, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_reserve(uuid, uuid, text, text, uuid, boolean, bigint)
TO erp_app, erp_admin;
