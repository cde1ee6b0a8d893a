-- Hook erp.sales.order.cancel: the order's open deliveries (not done, not cancelled) are
-- cancelled, which releases their reservations. Refused (ZE009) once anything of the order was
-- delivered, and while one of its deliveries is being validated or reserved (its picking is
-- locked: the cancellation does not wait, so the two never deadlock). Runs inside sales_order_cancel's transaction: an error aborts the cancellation.
CREATE OR REPLACE FUNCTION erp._sales_inventory_on_order_cancel(p_tenant_id uuid, p_record jsonb)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_order_id uuid := (p_record #>> '{order,id}')::uuid;
    v_delivered text;
    v_picking_id uuid;
BEGIN
    -- the open deliveries first, without waiting: a validation under way holds its picking and
    -- then locks this order's lines and the order, which this cancellation holds already;
    -- waiting for the picking would close a cycle (40P01). Refused at once instead.
    BEGIN
        PERFORM 1 FROM erp.inventory_pickings AS p
        WHERE p.tenant_id = p_tenant_id AND p.origin_type = 'erp.sales.order' AND p.origin_id = v_order_id
            AND p.kind = 'delivery' AND p.state NOT IN ('done', 'cancelled')
        ORDER BY p.id
        FOR NO KEY UPDATE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        RAISE EXCEPTION 'a delivery of sales order % is being processed; it cannot be cancelled now',
            coalesce(p_record #>> '{order,number}', v_order_id::text)
            USING ERRCODE = 'ZE009',
                HINT = 'Try again when the warehouse is done with it (a delivered order cannot be cancelled).';
    END;
    -- locked in id order (one global order), then what was delivered is read
    SELECT pg_catalog.string_agg(pg_catalog.format('line %s: %s %s', l.position, l.qty_delivered, p.sku), ', '
        ORDER BY l.position)
    INTO v_delivered
    FROM (
        SELECT ol.product_id, ol.qty_delivered, ol.position
        FROM erp.sales_order_lines AS ol
        WHERE ol.tenant_id = p_tenant_id AND ol.order_id = v_order_id
        ORDER BY ol.id
        FOR NO KEY UPDATE
    ) AS l
    INNER JOIN erp.erp_products AS p ON p.tenant_id = p_tenant_id AND p.id = l.product_id
    WHERE l.qty_delivered > 0;
    IF v_delivered IS NOT NULL THEN
        RAISE EXCEPTION 'sales order % has delivered goods; it cannot be cancelled',
            coalesce(p_record #>> '{order,number}', v_order_id::text)
            USING ERRCODE = 'ZE009', DETAIL = pg_catalog.left('delivered: ' || v_delivered, 1000),
            HINT = 'Return the goods with a receipt instead.';
    END IF;
    FOR v_picking_id IN
        SELECT p.id
        FROM erp.inventory_pickings AS p
        WHERE p.tenant_id = p_tenant_id AND p.origin_type = 'erp.sales.order' AND p.origin_id = v_order_id
            AND p.kind = 'delivery'
            AND p.state NOT IN ('done', 'cancelled')
        ORDER BY p.id
    LOOP
        PERFORM erp.inventory_picking_cancel(p_tenant_id, (p_record ->> 'actor_user_id')::uuid,
            p_record ->> 'actor_type', p_record ->> 'trace_id', v_picking_id);
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp._sales_inventory_on_order_cancel(uuid, jsonb) IS
    'Hook erp.sales.order.cancel: cancels the order''s open deliveries (releasing their reservations); '
    'ZE009 once anything of the order was delivered.';
