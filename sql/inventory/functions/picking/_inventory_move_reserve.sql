-- Reserves what one move still needs at its source, as one conditional UPDATE of the balance
-- row (never read-then-write, never SKIP LOCKED): all of it when on hand - reserved covers it
-- (else ZE010), or with p_partial what is available, rounded DOWN to the product unit's
-- rounding so that no rounding ever reserves more than is there. Stock of outside locations
-- and of consumables is not guarded: such a move is assigned without a reservation. Writes the
-- move (event reserved; none when nothing changed) and returns it.
CREATE OR REPLACE FUNCTION erp._inventory_move_reserve(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_move erp.inventory_moves, p_partial boolean
) RETURNS erp.inventory_moves
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new erp.inventory_moves := p_move;
    v_guarded boolean;
    v_step numeric;
    v_need numeric := p_move.product_qty - p_move.reserved_qty;
    v_got numeric;
    v_available numeric;
BEGIN
    SELECT l.usage IN ('internal', 'transit') AND p.product_type <> 'consumable', u.rounding
    INTO v_guarded, v_step
    FROM erp.inventory_locations AS l, erp.erp_products AS p
    INNER JOIN erp.erp_uoms AS u ON u.tenant_id = p.tenant_id AND u.id = p.uom_id
    WHERE l.tenant_id = p_tenant_id AND l.id = p_move.from_location_id
        AND p.tenant_id = p_tenant_id AND p.id = p_move.product_id;
    IF NOT v_guarded THEN
        v_new.state := 'assigned';
    ELSIF p_partial THEN
        UPDATE erp.inventory_balances AS b
        SET reserved = b.reserved + LEAST(v_need, pg_catalog.trunc((b.on_hand - b.reserved) / v_step) * v_step),
            last_reserved = LEAST(v_need, pg_catalog.trunc((b.on_hand - b.reserved) / v_step) * v_step)
        WHERE b.tenant_id = p_tenant_id AND b.product_id = p_move.product_id AND b.location_id = p_move.from_location_id
            AND LEAST(v_need, pg_catalog.trunc((b.on_hand - b.reserved) / v_step) * v_step) > 0
        RETURNING b.last_reserved INTO v_got;
        v_new.reserved_qty := p_move.reserved_qty + coalesce(v_got, 0);
    ELSE
        UPDATE erp.inventory_balances AS b
        SET reserved = b.reserved + v_need
        WHERE b.tenant_id = p_tenant_id AND b.product_id = p_move.product_id AND b.location_id = p_move.from_location_id
            AND b.on_hand - b.reserved >= v_need;
        IF NOT FOUND THEN
            SELECT b.on_hand - b.reserved INTO v_available FROM erp.inventory_balances AS b
            WHERE b.tenant_id = p_tenant_id AND b.product_id = p_move.product_id AND b.location_id = p_move.from_location_id;
            PERFORM erp._inventory_shortage(p_tenant_id, p_move.product_id, p_move.from_location_id,
                coalesce(v_available, 0), v_need);
        END IF;
        v_new.reserved_qty := p_move.product_qty;
    END IF;
    IF v_guarded THEN
        v_new.state := CASE
            WHEN v_new.reserved_qty = v_new.product_qty THEN 'assigned'
            WHEN v_new.reserved_qty > 0 THEN 'partially_available'
            ELSE 'confirmed'
        END;
    END IF;
    RETURN erp._inventory_move_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, p_move, v_new, 'reserved');
END
$fn$;
COMMENT ON FUNCTION erp._inventory_move_reserve(uuid, uuid, text, text, erp.inventory_moves, boolean) IS
    'Reserves for one move with one conditional balance UPDATE (partial: rounded down); ZE010 when not partial.';
