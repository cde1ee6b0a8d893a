-- Validates a confirmed or assigned picking: each open move is done with its quantity in
-- p_done ({"<move id>": 3}, in the move's unit; default: the demand; a move left out of a
-- given p_done is done 0). A done move keeps what was done (quantity, product_qty) and is one
-- audited event; the balances of its source and destination change in the same call, locked
-- in (product, location) order, last of all (after the hook: a balance row stays locked until
-- commit). Done beyond the move's reservation must be available at an internal or transit
-- source (ZE010, nothing written). A shortfall makes a backorder picking
-- (p_backorder, default): a move done in part leaves its rest in a new move there
-- (split_from_id), keeping what was reserved and not done; a move done 0 moves there whole.
-- With p_backorder false the rest is cancelled and its reservation released. Then the picking
-- is done, its number (IN/OUT/INT) is requested at commit, and the hook
-- erp.inventory.picking.done runs with {"picking", "backorder", "actor_user_id",
-- "actor_type", "trace_id"}. ZE009 when nothing at all is done.
CREATE OR REPLACE FUNCTION erp.inventory_picking_validate(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_picking_id uuid,
    p_done jsonb DEFAULT NULL,
    p_backorder boolean DEFAULT true,
    p_expected_version bigint DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_picking erp.inventory_pickings;
    v_backorder erp.inventory_pickings;
    v_move erp.inventory_moves;
    v_new erp.inventory_moves;
    v_rest erp.inventory_moves;
    v_olds erp.inventory_moves[] := '{}'::erp.inventory_moves[];
    v_news erp.inventory_moves[] := '{}'::erp.inventory_moves[];
    v_rests erp.inventory_moves[] := '{}'::erp.inventory_moves[];
    v_splits erp.inventory_moves[] := '{}'::erp.inventory_moves[];
    v_deltas erp.inventory_delta[] := '{}'::erp.inventory_delta[];
    v_product_uom uuid;
    v_done numeric;
    v_done_qty numeric;
    v_rest_qty numeric;
    v_keep numeric;
    v_unknown text;
    v_result jsonb;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    IF p_backorder IS NULL THEN
        RAISE EXCEPTION 'p_backorder is true or false, not NULL' USING ERRCODE = 'ZE003';
    END IF;
    IF p_done IS NOT NULL AND (pg_catalog.jsonb_typeof(p_done) <> 'object' OR pg_catalog.octet_length(p_done::text) > 100000) THEN
        RAISE EXCEPTION 'p_done must be a JSON object of at most 100 kB mapping move ids to done quantities'
            USING ERRCODE = 'ZE003', HINT = '{"<move id>": 3}';
    END IF;
    v_picking := erp._inventory_picking_open(p_tenant_id, p_picking_id, p_expected_version,
        '{confirmed,assigned}', 'validated');
    SELECT k.key INTO v_unknown FROM pg_catalog.jsonb_object_keys(p_done) AS k (key)
    WHERE NOT EXISTS (
        SELECT 1 FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking_id AND m.id::text = k.key
            AND m.state IN ('confirmed', 'partially_available', 'assigned'))
    LIMIT 1;
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'p_done names %, which is not an open move of this picking', erp._clip(v_unknown, 40)
            USING ERRCODE = 'ZE003';
    END IF;
    v_backorder.id := erp.uuid_v7();
    FOR v_move IN
        SELECT m.* FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking_id
            AND m.state IN ('confirmed', 'partially_available', 'assigned')
        ORDER BY m.position
    LOOP
        SELECT p.uom_id INTO v_product_uom FROM erp.erp_products AS p
        WHERE p.tenant_id = p_tenant_id AND p.id = v_move.product_id;
        v_done := CASE
            WHEN p_done IS NULL THEN v_move.quantity
            WHEN p_done ? v_move.id::text THEN erp._inventory_qty(p_done -> v_move.id::text,
                'done quantity of move ' || v_move.position, false)
            ELSE 0
        END;
        v_done_qty := CASE WHEN v_done = v_move.quantity THEN v_move.product_qty
            ELSE erp.uom_convert(p_tenant_id, v_done, v_move.uom_id, v_product_uom, 'HALF-UP') END;
        IF v_done > 0 AND v_done_qty = 0 THEN
            RAISE EXCEPTION 'done quantity % of move % is 0 in the product''s unit once rounded', v_done, v_move.position
                USING ERRCODE = 'ZE003';
        END IF;
        v_rest_qty := CASE WHEN v_done >= v_move.quantity THEN 0 WHEN v_done = 0 THEN v_move.product_qty
            ELSE erp.uom_convert(p_tenant_id, v_move.quantity - v_done, v_move.uom_id, v_product_uom, 'HALF-UP') END;
        -- the rest keeps what was reserved and not consumed by what is done, up to its need
        v_keep := CASE WHEN p_backorder AND v_rest_qty > 0
            THEN LEAST(v_move.reserved_qty - LEAST(v_move.reserved_qty, v_done_qty), v_rest_qty) ELSE 0 END;
        v_deltas := v_deltas
            || ROW(v_move.product_id, v_move.from_location_id, -v_done_qty, v_keep - v_move.reserved_qty)::erp.inventory_delta
            || ROW(v_move.product_id, v_move.to_location_id, v_done_qty, 0)::erp.inventory_delta;
        v_new := v_move;
        IF v_done_qty > 0 THEN
            v_new.quantity := v_done;
            v_new.product_qty := v_done_qty;
            v_new.reserved_qty := 0;
            v_new.state := 'done';
            v_new.done_at := pg_catalog.now();
            IF p_backorder AND v_rest_qty > 0 THEN
                v_rest := v_move;
                v_rest.id := erp.uuid_v7();
                v_rest.picking_id := v_backorder.id;
                v_rest.quantity := v_move.quantity - v_done;
                v_rest.product_qty := v_rest_qty;
                v_rest.reserved_qty := v_keep;
                v_rest.split_from_id := v_move.id;
                v_rest.state := CASE
                    WHEN v_keep = v_rest_qty THEN 'assigned'
                    WHEN v_keep > 0 THEN 'partially_available'
                    WHEN v_move.state = 'assigned' AND v_move.reserved_qty = 0 THEN 'assigned'  -- not guarded
                    ELSE 'confirmed'
                END;
                v_rests := v_rests || v_rest;
                v_splits := v_splits || v_rest;
            END IF;
        ELSIF p_backorder THEN
            v_new.picking_id := v_backorder.id;  -- nothing done: the whole move goes to the backorder
            v_rest_qty := v_move.product_qty;
            v_rests := v_rests || v_new;
        ELSE
            v_new.reserved_qty := 0;
            v_new.state := 'cancelled';
        END IF;
        v_olds := v_olds || v_move;
        v_news := v_news || v_new;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(v_news) AS n WHERE n.state = 'done') THEN
        RAISE EXCEPTION 'nothing to validate: no quantity of picking % is done', coalesce(v_picking.number, v_picking.id::text)
            USING ERRCODE = 'ZE009', HINT = 'Give the done quantities in p_done, or cancel the picking.';
    END IF;
    IF pg_catalog.cardinality(v_rests) > 0 THEN
        v_backorder.kind := v_picking.kind;
        v_backorder.partner_id := v_picking.partner_id;
        v_backorder.from_location_id := v_picking.from_location_id;
        v_backorder.to_location_id := v_picking.to_location_id;
        v_backorder.origin := v_picking.origin;
        v_backorder.origin_type := v_picking.origin_type;
        v_backorder.origin_id := v_picking.origin_id;
        v_backorder.backorder_of_id := v_picking.id;
        v_backorder.state := CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.unnest(v_rests) AS r WHERE r.state <> 'assigned')
            THEN 'confirmed' ELSE 'assigned' END;
        v_backorder := erp._inventory_picking_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_backorder);
    END IF;
    FOR i IN 1 .. pg_catalog.cardinality(v_olds) LOOP
        PERFORM erp._inventory_move_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_olds[i], v_news[i],
            CASE v_news[i].state WHEN 'done' THEN 'done' WHEN 'cancelled' THEN 'cancelled' ELSE 'updated' END);
    END LOOP;
    -- only the rests split off here are new moves: a move that went over whole is written above,
    -- even when it carries a split_from_id from an earlier split
    IF pg_catalog.cardinality(v_splits) > 0 THEN
        PERFORM erp._inventory_move_insert(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_splits);
    END IF;
    v_picking := erp._inventory_picking_set_state(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        v_picking, 'done', 'done');
    PERFORM erp.sequence_next_at_commit(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        CASE v_picking.kind WHEN 'receipt' THEN 'IN' WHEN 'delivery' THEN 'OUT' ELSE 'INT' END,
        'erp.inventory.picking', v_picking.id);
    v_result := erp._inventory_picking_json(p_tenant_id, v_picking);
    PERFORM erp._hooks_run('erp.inventory.picking.done', p_tenant_id, pg_catalog.jsonb_build_object(
        'picking', v_result,
        'backorder', CASE WHEN v_backorder.tenant_id IS NOT NULL THEN erp._inventory_picking_json(p_tenant_id, v_backorder) END,
        'actor_user_id', p_actor_user_id, 'actor_type', p_actor_type, 'trace_id', p_trace_id));
    v_result := erp.inventory_picking_get(p_tenant_id, p_picking_id);
    -- the balances last: their rows stay locked until commit, so nothing of this call (moves,
    -- backorder, state, hook) runs while they are held; a shortage here is ZE010 and undoes it all
    PERFORM erp._inventory_balances_apply(p_tenant_id, v_deltas);
    RETURN v_result;
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_validate(uuid, uuid, text, text, uuid, jsonb, boolean, bigint) IS
    'Validates a picking: done moves into the ledger and balances, backorder for the rest (or cancels it), '
    'number at commit, hook erp.inventory.picking.done.';
REVOKE ALL ON FUNCTION erp.inventory_picking_validate(uuid, uuid, text, text, uuid, jsonb, boolean, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_validate(uuid, uuid, text, text, uuid, jsonb, boolean, bigint)
TO erp_app, erp_admin;
