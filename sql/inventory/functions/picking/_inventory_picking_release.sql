-- Releases the reservations of a picking's open moves: writes each open move with p_state and
-- p_event (unreserve: confirmed; cancel: cancelled) and reserved_qty 0, then the picking with
-- p_state, builds its JSON, and gives the reservations back to the balances last, in (product,
-- location) order (a balance row stays locked until commit: nothing runs after it). Returns the
-- picking's JSON.
CREATE OR REPLACE FUNCTION erp._inventory_picking_release(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_picking erp.inventory_pickings, p_state text, p_event text
) RETURNS jsonb
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_deltas erp.inventory_delta[] := '{}'::erp.inventory_delta[];
    v_move erp.inventory_moves;
    v_new erp.inventory_moves;
    v_picking erp.inventory_pickings;
    v_result jsonb;
BEGIN
    FOR v_move IN
        SELECT m.* FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking.id
            AND m.state IN ('draft', 'confirmed', 'partially_available', 'assigned')
        ORDER BY m.position
    LOOP
        IF v_move.reserved_qty > 0 THEN
            v_deltas := v_deltas || ROW(v_move.product_id, v_move.from_location_id, 0, -v_move.reserved_qty)::erp.inventory_delta;
        END IF;
        v_new := v_move;
        v_new.reserved_qty := 0;
        v_new.state := p_state;
        PERFORM erp._inventory_move_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_move, v_new, p_event);
    END LOOP;
    v_picking := erp._inventory_picking_set_state(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        p_picking, p_state, p_event);
    v_result := erp._inventory_picking_json(p_tenant_id, v_picking);
    PERFORM erp._inventory_balances_reserve(p_tenant_id, v_deltas, true);  -- releases never fall short
    RETURN v_result;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_picking_release(uuid, uuid, text, text, erp.inventory_pickings, text, text) IS
    'Releases a picking''s reservations: moves and picking written with a state, balances last; returns its JSON.';
