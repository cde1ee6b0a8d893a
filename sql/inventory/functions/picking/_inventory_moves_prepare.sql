-- The moves of a new picking from p_moves, checked before anything is written: a JSON array
-- of 1 to 1000 objects (size first, so a huge input costs nothing), known keys only, a product
-- of this tenant (ZE001) that is active and not a service (ZE009), a quantity above 0, a unit
-- of the product's category (ZE009 otherwise), usable locations that differ; product_qty is
-- the quantity in the product's unit rounded half-up at its rounding, and may not round to 0.
CREATE OR REPLACE FUNCTION erp._inventory_moves_prepare(
    p_tenant_id uuid, p_picking erp.inventory_pickings, p_moves jsonb
) RETURNS erp.inventory_moves[]
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_item jsonb;
    v_n bigint;
    v_what text;
    v_product erp.erp_products;
    v_move erp.inventory_moves;
    v_moves erp.inventory_moves[] := '{}'::erp.inventory_moves[];
BEGIN
    IF p_moves IS NULL OR pg_catalog.jsonb_typeof(p_moves) <> 'array' OR pg_catalog.jsonb_array_length(p_moves) = 0 THEN
        RAISE EXCEPTION 'p_moves must be a non-empty JSON array of moves' USING ERRCODE = 'ZE003',
            HINT = '[{"product_id": "...", "quantity": 3}]';
    END IF;
    IF pg_catalog.jsonb_array_length(p_moves) > 1000 THEN
        RAISE EXCEPTION 'a picking has at most 1000 moves, not %', pg_catalog.jsonb_array_length(p_moves)
            USING ERRCODE = 'ZE003', HINT = 'Split the moves over several pickings.';
    END IF;
    IF p_picking.from_location_id = p_picking.to_location_id THEN
        RAISE EXCEPTION 'a picking moves stock between two different locations' USING ERRCODE = 'ZE003';
    END IF;
    PERFORM erp._inventory_location_usable(p_tenant_id, p_picking.from_location_id);
    PERFORM erp._inventory_location_usable(p_tenant_id, p_picking.to_location_id);
    FOR v_item, v_n IN SELECT j.value, j.ordinality FROM pg_catalog.jsonb_array_elements(p_moves) WITH ORDINALITY AS j LOOP
        v_what := 'move ' || v_n;
        IF pg_catalog.jsonb_typeof(v_item) <> 'object' OR pg_catalog.octet_length(v_item::text) > 4096 THEN
            RAISE EXCEPTION '% is not a JSON object of at most 4 kB', v_what USING ERRCODE = 'ZE003';
        END IF;
        IF v_item - '{product_id,quantity,uom_id,from_location_id,to_location_id}'::text[] <> '{}'::jsonb THEN
            RAISE EXCEPTION '% has unknown keys: %', v_what,
                erp._clip(pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.jsonb_object_keys(v_item
                    - '{product_id,quantity,uom_id,from_location_id,to_location_id}'::text[])), ', '), 60)
                USING ERRCODE = 'ZE003', HINT = 'Keys: product_id, quantity, uom_id, from_location_id, to_location_id.';
        END IF;
        v_move := NULL;
        v_move.id := erp.uuid_v7();
        v_move.picking_id := p_picking.id;
        v_move.position := v_n::integer;
        v_move.product_id := erp._inventory_json_uuid(v_item -> 'product_id', v_what || ' product_id');
        v_move.quantity := erp._inventory_qty(v_item -> 'quantity', v_what || ' quantity', true);
        SELECT p.* INTO v_product FROM erp.erp_products AS p WHERE p.tenant_id = p_tenant_id AND p.id = v_move.product_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION '% product % not found in this tenant', v_what, coalesce(v_move.product_id::text, 'NULL')
                USING ERRCODE = 'ZE001';
        END IF;
        IF NOT v_product.active THEN
            RAISE EXCEPTION '% product % is archived', v_what, v_product.sku USING ERRCODE = 'ZE009';
        END IF;
        IF v_product.product_type = 'service' THEN
            RAISE EXCEPTION '% product % is a service: services are not stocked and never move', v_what, v_product.sku
                USING ERRCODE = 'ZE009';
        END IF;
        v_move.uom_id := coalesce(erp._inventory_json_uuid(v_item -> 'uom_id', v_what || ' uom_id'), v_product.uom_id);
        v_move.product_qty := erp.uom_convert(p_tenant_id, v_move.quantity, v_move.uom_id, v_product.uom_id, 'HALF-UP');
        IF v_move.product_qty = 0 THEN
            RAISE EXCEPTION '% quantity % is 0 in the product''s unit once rounded', v_what, v_move.quantity
                USING ERRCODE = 'ZE003', HINT = 'Move at least one rounding step of the product''s unit.';
        END IF;
        v_move.reserved_qty := 0;
        v_move.from_location_id := coalesce(erp._inventory_json_uuid(v_item -> 'from_location_id', v_what || ' from_location_id'),
            p_picking.from_location_id);
        v_move.to_location_id := coalesce(erp._inventory_json_uuid(v_item -> 'to_location_id', v_what || ' to_location_id'),
            p_picking.to_location_id);
        IF v_move.from_location_id = v_move.to_location_id THEN
            RAISE EXCEPTION '% moves stock from a location to itself', v_what USING ERRCODE = 'ZE003';
        END IF;
        IF v_move.from_location_id <> p_picking.from_location_id THEN
            PERFORM erp._inventory_location_usable(p_tenant_id, v_move.from_location_id);
        END IF;
        IF v_move.to_location_id <> p_picking.to_location_id THEN
            PERFORM erp._inventory_location_usable(p_tenant_id, v_move.to_location_id);
        END IF;
        v_move.state := p_picking.state;
        v_move.origin := p_picking.origin;
        v_moves := v_moves || v_move;
    END LOOP;
    RETURN v_moves;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_moves_prepare(uuid, erp.inventory_pickings, jsonb) IS
    'The checked move rows of a new picking from its JSON moves (ZE003, ZE001, ZE009; nothing written).';
