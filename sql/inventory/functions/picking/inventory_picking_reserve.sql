-- Reserves stock for a confirmed picking's moves at their sources. p_partial (default): what
-- is available is reserved, moves become partially_available or assigned, nothing available
-- is not an error; otherwise every move is reserved fully or ZE010 (DETAIL product, location,
-- available, requested) with nothing reserved. Reservations round down to the product unit's
-- rounding. An assigned picking is returned as it is; a draft, done or cancelled one is ZE009.
-- Lock last: a balance row stays locked from its UPDATE until commit, so the moves, the
-- picking's state and the returned JSON are written first (partial: from an unlocked read of
-- what is available) and the balances are updated at the very end, in (product, location)
-- order, each by one conditional UPDATE of exactly what the moves took. When another
-- transaction took the stock in between, all-or-nothing is ZE010 and partial rewrites the
-- moves with what the locked row really had.
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
    v_guarded boolean;
    v_step numeric;
    v_free numeric;
    v_got numeric;
    v_free_product uuid;
    v_free_location uuid;
    v_moves erp.inventory_moves[] := '{}'::erp.inventory_moves[];  -- as written, guarded only
    v_asked numeric[] := '{}'::numeric[];
    v_deltas erp.inventory_delta[] := '{}'::erp.inventory_delta[];
    v_short erp.inventory_delta;
    v_result jsonb;
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
        -- stock of outside locations and of consumables is not guarded: assigned, nothing reserved
        SELECT l.usage IN ('internal', 'transit') AND p.product_type <> 'consumable', u.rounding
        INTO v_guarded, v_step
        FROM erp.inventory_locations AS l, erp.erp_products AS p
        INNER JOIN erp.erp_uoms AS u ON u.tenant_id = p.tenant_id AND u.id = p.uom_id
        WHERE l.tenant_id = p_tenant_id AND l.id = v_move.from_location_id
            AND p.tenant_id = p_tenant_id AND p.id = v_move.product_id;
        v_got := CASE WHEN v_guarded THEN v_move.product_qty - v_move.reserved_qty ELSE 0 END;
        IF v_guarded AND p_partial THEN
            IF v_free_product IS DISTINCT FROM v_move.product_id OR v_free_location IS DISTINCT FROM v_move.from_location_id THEN
                -- unlocked on purpose: the conditional UPDATE at the end checks it under the lock
                SELECT b.on_hand - b.reserved INTO v_free FROM erp.inventory_balances AS b
                WHERE b.tenant_id = p_tenant_id AND b.product_id = v_move.product_id
                    AND b.location_id = v_move.from_location_id;
                v_free := coalesce(v_free, 0);
                v_free_product := v_move.product_id;
                v_free_location := v_move.from_location_id;
            END IF;
            v_got := LEAST(v_got, GREATEST(pg_catalog.trunc(v_free / v_step) * v_step, 0));
            v_free := v_free - v_got;
        END IF;
        v_move := erp._inventory_move_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_move,
            erp._inventory_move_reserved(v_move, v_got, v_guarded), 'reserved');
        IF v_guarded THEN
            v_moves := v_moves || v_move;
            v_asked := v_asked || v_got;
            v_deltas := v_deltas || ROW(v_move.product_id, v_move.from_location_id, 0, v_got)::erp.inventory_delta;
        END IF;
    END LOOP;
    v_picking := erp._inventory_picking_set_state(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        v_picking, NULL, 'reserved');
    v_result := erp._inventory_picking_json(p_tenant_id, v_picking);
    -- the balances last (nothing of this call runs after them while their rows are locked)
    FOR v_short IN
        SELECT s.* FROM pg_catalog.unnest(erp._inventory_balances_reserve(p_tenant_id, v_deltas, p_partial)) AS s
    LOOP
        -- partial, and less was there than the unlocked read said: the moves of that balance
        -- keep, in order, what it granted
        v_free := v_short.reserved;
        FOR i IN 1 .. pg_catalog.cardinality(v_moves) LOOP
            CONTINUE WHEN v_moves[i].product_id <> v_short.product_id OR v_moves[i].from_location_id <> v_short.location_id;
            v_got := LEAST(v_asked[i], v_free);
            v_free := v_free - v_got;
            IF v_got <> v_asked[i] THEN
                PERFORM erp._inventory_move_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_moves[i],
                    erp._inventory_move_reserved(v_moves[i], v_got - v_asked[i], true), 'reserved');
            END IF;
        END LOOP;
        v_picking := erp._inventory_picking_set_state(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
            v_picking, NULL, 'reserved');
        v_result := erp._inventory_picking_json(p_tenant_id, v_picking);
    END LOOP;
    RETURN v_result;
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_reserve(uuid, uuid, text, text, uuid, boolean, bigint) IS
    'Reserves stock for a confirmed picking (partial, or all-or-nothing with ZE010); audited.';
REVOKE ALL ON FUNCTION erp.inventory_picking_reserve(uuid, uuid, text, text, uuid, boolean, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_reserve(uuid, uuid, text, text, uuid, boolean, bigint)
TO erp_app, erp_admin;
