-- A move with p_add more reserved and the state that follows: assigned when its whole demand
-- is reserved, partially_available when part of it, confirmed when none; a move whose stock is
-- not guarded (an outside source, a consumable) is assigned without a reservation.
CREATE OR REPLACE FUNCTION erp._inventory_move_reserved(p_move erp.inventory_moves, p_add numeric, p_guarded boolean)
RETURNS erp.inventory_moves
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_new erp.inventory_moves := p_move;
BEGIN
    v_new.reserved_qty := p_move.reserved_qty + p_add;
    v_new.state := CASE
        WHEN NOT p_guarded OR v_new.reserved_qty = v_new.product_qty THEN 'assigned'
        WHEN v_new.reserved_qty > 0 THEN 'partially_available'
        ELSE 'confirmed'
    END;
    RETURN v_new;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_move_reserved(erp.inventory_moves, numeric, boolean) IS
    'A move with more reserved and its state from what it has (assigned, partially_available, confirmed).';
