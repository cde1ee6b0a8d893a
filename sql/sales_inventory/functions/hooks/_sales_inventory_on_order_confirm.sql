-- Hook erp.sales.order.confirm: an order whose lines hold goods or consumables gets one delivery
-- picking, confirmed and not reserved (reserving is the warehouse's decision), with one move per
-- such line in the line's unit, from the tenant's stock location to its customers location.
-- Services never move. The picking names the order as its origin (origin_type erp.sales.order),
-- and each move is linked to its line. inventory_setup runs first for a tenant without
-- locations. Runs inside sales_order_confirm's transaction: an error aborts the confirmation.
CREATE OR REPLACE FUNCTION erp._sales_inventory_on_order_confirm(p_tenant_id uuid, p_record jsonb)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_order jsonb := p_record -> 'order';
    v_actor_user_id uuid := (p_record ->> 'actor_user_id')::uuid;
    v_actor_type text := p_record ->> 'actor_type';
    v_trace_id text := p_record ->> 'trace_id';
    v_lines jsonb;
    v_picking jsonb;
BEGIN
    -- the lines that move, in position order (sales returns them so); a product's type is read
    -- from base, which sales checked active at confirmation
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('line_id', l.line ->> 'id', 'product_id', l.line ->> 'product_id',
            'quantity', (l.line ->> 'quantity')::numeric, 'uom_id', l.line ->> 'uom_id') ORDER BY l.n)
    INTO v_lines
    FROM pg_catalog.jsonb_array_elements(v_order -> 'lines') WITH ORDINALITY AS l (line, n)
    INNER JOIN erp.erp_products AS p
        ON p.tenant_id = p_tenant_id AND p.id = (l.line ->> 'product_id')::uuid
    WHERE p.product_type IN ('goods', 'consumable');
    IF v_lines IS NULL THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM erp.inventory_locations AS loc WHERE loc.tenant_id = p_tenant_id) THEN
        PERFORM erp.inventory_setup(p_tenant_id, v_actor_user_id, v_actor_type, v_trace_id);
    END IF;
    -- no locations given: a delivery goes from the tenant's stock to its customers location
    v_picking := erp.inventory_picking_create(p_tenant_id, v_actor_user_id, v_actor_type, v_trace_id,
        p_kind => 'delivery',
        p_moves => (SELECT pg_catalog.jsonb_agg(m.line - 'line_id' ORDER BY m.n)
                    FROM pg_catalog.jsonb_array_elements(v_lines) WITH ORDINALITY AS m (line, n)),
        p_partner_id => (v_order ->> 'partner_id')::uuid,
        p_origin => v_order ->> 'number',
        p_origin_type => 'erp.sales.order',
        p_origin_id => (v_order ->> 'id')::uuid);
    IF v_picking ->> 'state' = 'draft' THEN
        PERFORM erp.inventory_picking_confirm(p_tenant_id, v_actor_user_id, v_actor_type, v_trace_id,
            (v_picking ->> 'id')::uuid);
    END IF;
    -- the moves come back in the order given, one per line
    INSERT INTO erp.sales_inventory_move_lines (tenant_id, move_id, order_id, order_line_id)
    SELECT p_tenant_id, (m.move ->> 'id')::uuid, (v_order ->> 'id')::uuid, (l.line ->> 'line_id')::uuid
    FROM pg_catalog.jsonb_array_elements(v_picking -> 'moves') WITH ORDINALITY AS m (move, n)
    INNER JOIN pg_catalog.jsonb_array_elements(v_lines) WITH ORDINALITY AS l (line, n) ON l.n = m.n;
END
$fn$;
COMMENT ON FUNCTION erp._sales_inventory_on_order_confirm(uuid, jsonb) IS
    'Hook erp.sales.order.confirm: the order''s delivery picking (confirmed, not reserved), one move '
    'per goods or consumable line in the line''s unit; services never move.';
