-- Creates a draft picking with its moves, all written atomically (one created event per
-- record). p_kind: receipt (default from the suppliers to the stock location), delivery (stock
-- to customers) or internal (name both locations). p_moves: 1 to 1000 objects {"product_id",
-- "quantity", "uom_id"?, "from_location_id"?, "to_location_id"?}; a move's unit defaults to
-- the product's, its locations to the picking's; product_qty is the quantity in the product's
-- unit, rounded half-up at that unit's rounding. Services never move (ZE009). p_origin_type
-- and p_origin_id name the document that caused the picking (both or neither).
CREATE OR REPLACE FUNCTION erp.inventory_picking_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_kind text,
    p_moves jsonb,
    p_partner_id uuid DEFAULT NULL,
    p_from_location_id uuid DEFAULT NULL,
    p_to_location_id uuid DEFAULT NULL,
    p_origin text DEFAULT NULL,
    p_origin_type text DEFAULT NULL,
    p_origin_id uuid DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_picking erp.inventory_pickings;
    v_moves erp.inventory_moves[];
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('receipt', 'delivery', 'internal') THEN
        RAISE EXCEPTION 'unknown picking kind %', erp._clip(p_kind, 20)
            USING ERRCODE = 'ZE003', HINT = 'kind is receipt, delivery or internal.';
    END IF;
    IF NOT erp._text_ok(p_origin, 500, false) THEN
        PERFORM erp._text_check('picking origin', p_origin, 500, false);
    END IF;
    IF (p_origin_type IS NULL) <> (p_origin_id IS NULL) THEN
        RAISE EXCEPTION 'p_origin_type and p_origin_id go together' USING ERRCODE = 'ZE003',
            HINT = 'Name the origin document by its entity type and id, or give neither.';
    END IF;
    IF NOT erp._code_ok(p_origin_type, 100, false) THEN
        PERFORM erp._code_check('origin type', p_origin_type, 100, false);
    END IF;
    IF p_partner_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM erp.erp_partners AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_partner_id
    ) THEN
        RAISE EXCEPTION 'partner % not found in this tenant', p_partner_id USING ERRCODE = 'ZE001';
    END IF;
    v_picking.id := erp.uuid_v7();
    v_picking.kind := p_kind;
    v_picking.partner_id := p_partner_id;
    v_picking.from_location_id := coalesce(p_from_location_id, erp._inventory_default_location(p_tenant_id,
        CASE p_kind WHEN 'receipt' THEN 'suppliers' ELSE 'stock' END));
    v_picking.to_location_id := coalesce(p_to_location_id, erp._inventory_default_location(p_tenant_id,
        CASE p_kind WHEN 'delivery' THEN 'customers' ELSE 'stock' END));
    v_picking.state := 'draft';
    v_picking.origin := p_origin;
    v_picking.origin_type := p_origin_type;
    v_picking.origin_id := p_origin_id;
    v_moves := erp._inventory_moves_prepare(p_tenant_id, v_picking, p_moves);
    PERFORM erp._inventory_picking_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_picking);
    PERFORM erp._inventory_move_insert(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_moves);
    RETURN erp.inventory_picking_get(p_tenant_id, v_picking.id);
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_create(uuid, uuid, text, text, text, jsonb, uuid, uuid, uuid, text, text, uuid) IS
    'Creates a draft picking (receipt, delivery, internal) with its moves (audited); returns it with its moves.';
REVOKE ALL ON FUNCTION erp.inventory_picking_create(uuid, uuid, text, text, text, jsonb, uuid, uuid, uuid, text, text, uuid)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_create(uuid, uuid, text, text, text, jsonb, uuid, uuid, uuid, text, text, uuid)
TO erp_app, erp_admin;
