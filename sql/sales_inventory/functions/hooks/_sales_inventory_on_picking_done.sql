-- Hook erp.inventory.picking.done: a validated delivery of a sales order adds what its moves
-- delivered to their lines' qty_delivered (in the line's unit; event delivered), and the order
-- becomes done (event done) once every goods and consumable line is fully delivered. A backorder
-- keeps the order confirmed; its moves are linked to the lines of the moves they split from.
-- Pickings whose origin is not a sales order are not the bridge's business. Runs inside
-- inventory_picking_validate's transaction: an error aborts the validation.
CREATE OR REPLACE FUNCTION erp._sales_inventory_on_picking_done(p_tenant_id uuid, p_record jsonb)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_picking jsonb := p_record -> 'picking';
    v_actor_user_id uuid := (p_record ->> 'actor_user_id')::uuid;
    v_actor_type text := p_record ->> 'actor_type';
    v_trace_id text := p_record ->> 'trace_id';
    v_order_id uuid;
    v_delivered record;
    v_line erp.sales_order_lines;
    v_order erp.sales_orders;
    v_done erp.sales_orders;
BEGIN
    IF v_picking ->> 'origin_type' IS DISTINCT FROM 'erp.sales.order' THEN
        RETURN;
    END IF;
    v_order_id := (v_picking ->> 'origin_id')::uuid;
    -- a backorder move serves the line of the move it split from
    INSERT INTO erp.sales_inventory_move_lines (tenant_id, move_id, order_id, order_line_id)
    SELECT p_tenant_id, (b.move ->> 'id')::uuid, ml.order_id, ml.order_line_id
    FROM pg_catalog.jsonb_array_elements(coalesce(p_record #> '{backorder,moves}', '[]')) AS b (move)
    INNER JOIN erp.sales_inventory_move_lines AS ml
        ON ml.tenant_id = p_tenant_id AND ml.move_id = (b.move ->> 'split_from_id')::uuid
    ON CONFLICT ON CONSTRAINT sales_inventory_move_lines_pkey DO NOTHING;
    -- the lines served by the done moves, locked in id order (one global order), each with what
    -- its moves delivered, converted to the line's unit
    FOR v_delivered IN
        SELECT ol AS line, d.qty
        FROM (
            SELECT ml.order_line_id, pg_catalog.sum(erp._sales_inventory_line_qty(p_tenant_id,
                (m.move ->> 'quantity')::numeric, (m.move ->> 'uom_id')::uuid, l.uom_id)) AS qty
            FROM pg_catalog.jsonb_array_elements(v_picking -> 'moves') AS m (move)
            INNER JOIN erp.sales_inventory_move_lines AS ml
                ON ml.tenant_id = p_tenant_id AND ml.move_id = (m.move ->> 'id')::uuid
            INNER JOIN erp.sales_order_lines AS l ON l.tenant_id = p_tenant_id AND l.id = ml.order_line_id
            WHERE m.move ->> 'state' = 'done' AND (m.move ->> 'quantity')::numeric > 0
            GROUP BY ml.order_line_id
        ) AS d
        INNER JOIN erp.sales_order_lines AS ol ON ol.tenant_id = p_tenant_id AND ol.id = d.order_line_id
        ORDER BY ol.id
        FOR NO KEY UPDATE OF ol
    LOOP
        v_line := v_delivered.line;
        v_line.qty_delivered := v_line.qty_delivered + v_delivered.qty;
        PERFORM erp._sales_order_line_write(p_tenant_id, v_actor_user_id, v_actor_type, v_trace_id,
            v_delivered.line, v_line, 'delivered');
    END LOOP;
    IF NOT FOUND OR EXISTS (
        SELECT 1
        FROM erp.sales_order_lines AS l
        INNER JOIN erp.erp_products AS p ON p.tenant_id = l.tenant_id AND p.id = l.product_id
        WHERE l.tenant_id = p_tenant_id AND l.order_id = v_order_id
            AND p.product_type IN ('goods', 'consumable') AND l.active AND l.qty_delivered < l.quantity
    ) THEN
        RETURN;
    END IF;
    -- the order row is locked only when it changes: a partial delivery leaves it alone
    v_order := erp._sales_order_lock(p_tenant_id, v_order_id, NULL);
    IF v_order.state = 'confirmed' THEN
        v_done := v_order;
        v_done.state := 'done';
        PERFORM erp._sales_order_write(p_tenant_id, v_actor_user_id, v_actor_type, v_trace_id,
            v_order, v_done, 'done');
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sales_inventory_on_picking_done(uuid, jsonb) IS
    'Hook erp.inventory.picking.done: delivered quantities onto the sales order lines (event delivered), '
    'the order done once every goods and consumable line is fully delivered.';
