-- Counts stock in an internal or transit location: p_counts is [{"product_id", "quantity"}]
-- (1 to 1000 products, each once, the counted quantity in the product's unit, a multiple of
-- its rounding). Each difference from on hand becomes one done move between the location and
-- the tenant's inventory-loss location (origin p_reason), written with the balances, locked in
-- (product, location) order. A count below what is reserved there is ZE010 (release the
-- reservations first). Returns {"location_id", "moves": [the done moves]}.
CREATE OR REPLACE FUNCTION erp.inventory_adjust(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_location_id uuid,
    p_counts jsonb,
    p_reason text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_loss uuid;
    v_counts erp.inventory_delta[] := '{}'::erp.inventory_delta[];
    v_deltas erp.inventory_delta[];
    v_item jsonb;
    v_n bigint;
    v_count erp.inventory_delta;
    v_sku text;
    v_type text;
    v_step numeric;
    v_bad record;
    v_moves erp.inventory_moves[];
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    IF p_counts IS NULL OR pg_catalog.jsonb_typeof(p_counts) <> 'array' OR pg_catalog.jsonb_array_length(p_counts) = 0
        OR pg_catalog.jsonb_array_length(p_counts) > 1000 THEN
        RAISE EXCEPTION 'p_counts must be a JSON array of 1 to 1000 counts' USING ERRCODE = 'ZE003',
            HINT = '[{"product_id": "...", "quantity": 12}]';
    END IF;
    IF NOT erp._text_ok(p_reason, 500, false) THEN
        PERFORM erp._text_check('adjustment reason', p_reason, 500, false);
    END IF;
    IF erp._inventory_location_usable(p_tenant_id, p_location_id) NOT IN ('internal', 'transit') THEN
        RAISE EXCEPTION 'stock is counted in internal or transit locations only' USING ERRCODE = 'ZE009';
    END IF;
    v_loss := erp._inventory_default_location(p_tenant_id, 'inventory');
    FOR v_item, v_n IN SELECT j.value, j.ordinality FROM pg_catalog.jsonb_array_elements(p_counts) WITH ORDINALITY AS j LOOP
        IF pg_catalog.jsonb_typeof(v_item) <> 'object' OR v_item - '{product_id,quantity}'::text[] <> '{}'::jsonb THEN
            RAISE EXCEPTION 'count % must be an object {"product_id", "quantity"}', v_n USING ERRCODE = 'ZE003';
        END IF;
        v_count := ROW(erp._inventory_json_uuid(v_item -> 'product_id', 'count ' || v_n || ' product_id'), p_location_id,
            erp._inventory_qty(v_item -> 'quantity', 'count ' || v_n || ' quantity', false), 0)::erp.inventory_delta;
        SELECT p.sku, p.product_type, u.rounding INTO v_sku, v_type, v_step
        FROM erp.erp_products AS p INNER JOIN erp.erp_uoms AS u ON u.tenant_id = p.tenant_id AND u.id = p.uom_id
        WHERE p.tenant_id = p_tenant_id AND p.id = v_count.product_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'count % product % not found in this tenant', v_n, coalesce(v_count.product_id::text, 'NULL')
                USING ERRCODE = 'ZE001';
        END IF;
        IF v_type = 'service' THEN
            RAISE EXCEPTION 'count % product % is a service: services are not stocked', v_n, v_sku
                USING ERRCODE = 'ZE009';
        END IF;
        IF v_count.on_hand % v_step <> 0 THEN
            RAISE EXCEPTION 'count % quantity % is not a multiple of the rounding % of the product''s unit',
                v_n, v_count.on_hand, v_step USING ERRCODE = 'ZE003';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_catalog.unnest(v_counts) AS c WHERE c.product_id = v_count.product_id) THEN
            RAISE EXCEPTION 'count % counts product % a second time', v_n, v_sku USING ERRCODE = 'ZE003';
        END IF;
        v_counts := v_counts || v_count;
    END LOOP;
    -- lock the counted rows and their loss rows in the global order, then read them: locked
    PERFORM erp._inventory_balances_lock(p_tenant_id, v_counts || ARRAY(
        SELECT ROW(c.product_id, v_loss, 1, 0)::erp.inventory_delta FROM pg_catalog.unnest(v_counts) AS c));
    SELECT c.product_id, b.reserved, c.on_hand INTO v_bad
    FROM pg_catalog.unnest(v_counts) AS c
    INNER JOIN erp.inventory_balances AS b
        ON b.tenant_id = p_tenant_id AND b.product_id = c.product_id AND b.location_id = p_location_id
    WHERE c.on_hand < b.reserved
    ORDER BY c.product_id LIMIT 1;
    IF FOUND THEN
        PERFORM erp._inventory_shortage(p_tenant_id, v_bad.product_id, p_location_id, v_bad.on_hand, v_bad.reserved);
    END IF;
    SELECT pg_catalog.array_agg(ROW(
            p_tenant_id, erp.uuid_v7(), NULL, 1, c.product_id, abs(c.on_hand - b.on_hand), p.uom_id,
            abs(c.on_hand - b.on_hand), 0,
            CASE WHEN c.on_hand > b.on_hand THEN v_loss ELSE p_location_id END,
            CASE WHEN c.on_hand > b.on_hand THEN p_location_id ELSE v_loss END,
            'done', p_reason, NULL, pg_catalog.now(), true, 1, pg_catalog.now(), pg_catalog.now()
        )::erp.inventory_moves ORDER BY c.product_id),
        pg_catalog.array_agg(ROW(c.product_id, p_location_id, c.on_hand - b.on_hand, 0)::erp.inventory_delta)
            || pg_catalog.array_agg(ROW(c.product_id, v_loss, b.on_hand - c.on_hand, 0)::erp.inventory_delta)
    INTO v_moves, v_deltas
    FROM pg_catalog.unnest(v_counts) AS c
    INNER JOIN erp.inventory_balances AS b
        ON b.tenant_id = p_tenant_id AND b.product_id = c.product_id AND b.location_id = p_location_id
    INNER JOIN erp.erp_products AS p ON p.tenant_id = p_tenant_id AND p.id = c.product_id
    WHERE c.on_hand <> b.on_hand;
    IF v_moves IS NOT NULL THEN
        PERFORM erp._inventory_balances_apply(p_tenant_id, v_deltas);
        PERFORM erp._inventory_move_insert(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_moves);
    END IF;
    RETURN pg_catalog.jsonb_build_object('location_id', p_location_id, 'moves', coalesce((
        SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(m) ORDER BY m.product_id)
        FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.id = ANY (ARRAY(SELECT x.id FROM pg_catalog.unnest(v_moves) AS x))
    ), '[]'::jsonb));
END
$fn$;
COMMENT ON FUNCTION erp.inventory_adjust(uuid, uuid, text, text, uuid, jsonb, text) IS
    'Counts stock in a location: differences become done moves to/from the inventory-loss location '
    '(audited); ZE010 below what is reserved.';
REVOKE ALL ON FUNCTION erp.inventory_adjust(uuid, uuid, text, text, uuid, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_adjust(uuid, uuid, text, text, uuid, jsonb, text) TO erp_app, erp_admin;
