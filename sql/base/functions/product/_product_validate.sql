-- Validation shared by product_create and product_update (ZE003 with the field named).
CREATE OR REPLACE FUNCTION erp._product_validate(p_row erp.erp_products) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF NOT erp._code_name_ok(p_row.sku, p_row.name) THEN
        PERFORM erp._code_name_check('product SKU', p_row.sku, 'product name', p_row.name);
    END IF;
    IF p_row.product_type IS NULL OR p_row.product_type NOT IN ('goods', 'service', 'consumable') THEN
        RAISE EXCEPTION 'unknown product type %', erp._clip(p_row.product_type, 20)
            USING ERRCODE = 'ZE003', HINT = 'product_type is goods, service or consumable.';
    END IF;
    IF p_row.uom_id IS NULL THEN
        RAISE EXCEPTION 'product unit (uom_id) is required' USING ERRCODE = 'ZE003';
    END IF;
    -- NaN sorts above every number, so the upper bound also refuses it
    IF p_row.list_price IS NULL OR NOT (p_row.list_price >= 0 AND p_row.list_price < 1e15)
        OR scale(p_row.list_price) > 10 THEN
        RAISE EXCEPTION 'list price must be a number from 0 to below 1e15 with at most 10 decimals, not %',
            erp._clip(p_row.list_price::text, 30)
            USING ERRCODE = 'ZE003';
    END IF;
    IF NOT erp._code_ok(p_row.barcode, 100, false) THEN
        PERFORM erp._code_check('product barcode', p_row.barcode, 100, false);
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._product_validate(erp.erp_products) IS 'ZE003 unless a product is valid.';
