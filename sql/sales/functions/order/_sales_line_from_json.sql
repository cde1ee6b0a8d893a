-- A new line row from a line object {"product_id", "quantity", "uom_id"?, "price_unit"?,
-- "discount"?, "tax_ids"?, "description"?}: keys and JSON types checked (ZE003); unit and price
-- default to the product's; its amounts are computed later.
CREATE OR REPLACE FUNCTION erp._sales_line_from_json(
    p_tenant_id uuid, p_order_id uuid, p_line jsonb, p_position integer
) RETURNS erp.sales_order_lines
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_line erp.sales_order_lines;
    v_product erp.erp_products;
BEGIN
    IF p_line IS NULL OR pg_catalog.jsonb_typeof(p_line) <> 'object' THEN
        RAISE EXCEPTION 'line % must be a JSON object', p_position
            USING ERRCODE = 'ZE003', HINT = 'Pass {"product_id": ..., "quantity": ...}.';
    END IF;
    IF p_line - '{product_id,quantity,uom_id,price_unit,discount,tax_ids,description}'::text [] <> '{}' THEN
        RAISE EXCEPTION 'line % has unknown keys: %', p_position,
            erp._clip_list(ARRAY(SELECT k FROM pg_catalog.jsonb_object_keys(p_line) AS k
                WHERE k <> ALL ('{product_id,quantity,uom_id,price_unit,discount,tax_ids,description}')))
            USING ERRCODE = 'ZE003',
            HINT = 'A line has product_id, quantity, uom_id, price_unit, discount, tax_ids, description.';
    END IF;
    v_line := (erp._sales_order_line_from_json(pg_catalog.jsonb_build_array(p_line - 'tax_ids')))[1];
    SELECT p.* INTO v_product FROM erp.erp_products AS p
    WHERE p.tenant_id = p_tenant_id AND p.id = v_line.product_id;
    IF NOT FOUND AND v_line.product_id IS NOT NULL THEN
        RAISE EXCEPTION 'product % not found in this tenant', v_line.product_id USING ERRCODE = 'ZE001';
    END IF;
    v_line.id := erp.uuid_v7();
    v_line.tenant_id := p_tenant_id;
    v_line.order_id := p_order_id;
    v_line.position := p_position;
    v_line.description := pg_catalog.btrim(v_line.description, E' \t\r\n');
    v_line.uom_id := coalesce(v_line.uom_id, v_product.uom_id);
    v_line.price_unit := coalesce(v_line.price_unit, v_product.list_price);
    v_line.discount := coalesce(v_line.discount, 0);
    v_line.tax_ids := erp._sales_tax_ids(p_line -> 'tax_ids');
    v_line.qty_delivered := 0;
    v_line.price_subtotal := 0;
    v_line.price_tax := 0;
    v_line.price_total := 0;
    v_line.active := true;
    RETURN v_line;
END
$fn$;
COMMENT ON FUNCTION erp._sales_line_from_json(uuid, uuid, jsonb, integer) IS
    'A new order line row from its JSON object (ZE003 for unknown keys or wrong types).';
