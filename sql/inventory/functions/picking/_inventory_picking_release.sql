-- Releases the reservations of a picking's open moves (balances first, locked in (product,
-- location) order) and writes each open move with p_state and p_event (unreserve: confirmed;
-- cancel: cancelled), reserved_qty 0.
CREATE OR REPLACE FUNCTION erp._inventory_picking_release(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_picking_id uuid, p_state text, p_event text
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_deltas erp.inventory_delta[];
    v_move erp.inventory_moves;
    v_new erp.inventory_moves;
BEGIN
    SELECT pg_catalog.array_agg(ROW(m.product_id, m.from_location_id, 0, -m.reserved_qty)::erp.inventory_delta)
    INTO v_deltas
    FROM erp.inventory_moves AS m
    WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking_id AND m.reserved_qty > 0
        AND m.state IN ('confirmed', 'partially_available', 'assigned');
    IF v_deltas IS NOT NULL THEN
        PERFORM erp._inventory_balances_apply(p_tenant_id, v_deltas);
    END IF;
    FOR v_move IN
        SELECT m.* FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking_id
            AND m.state IN ('draft', 'confirmed', 'partially_available', 'assigned')
        ORDER BY m.position
    LOOP
        v_new := v_move;
        v_new.reserved_qty := 0;
        v_new.state := p_state;
        PERFORM erp._inventory_move_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_move, v_new, p_event);
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_picking_release(uuid, uuid, text, text, uuid, text, text) IS
    'Releases the reservations of a picking''s open moves and writes them with a state and event.';
