-- Validation shared by product_create and product_update (ZE003 with the field named).
CREATE OR REPLACE FUNCTION erp._product_validate(p_row erp.erp_products) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_row.sku IS NULL OR erp._code_key(p_row.sku) = '' THEN
        RAISE EXCEPTION 'product SKU is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.name IS NULL OR btrim(p_row.name) = '' THEN
        RAISE EXCEPTION 'product name is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.product_type IS NULL OR p_row.product_type NOT IN ('goods', 'service', 'consumable') THEN
        RAISE EXCEPTION 'unknown product type %', coalesce(quote_literal(p_row.product_type), 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'product_type is goods, service or consumable.';
    END IF;
    IF p_row.uom_id IS NULL THEN
        RAISE EXCEPTION 'product unit (uom_id) is required' USING ERRCODE = 'ZE003';
    END IF;
    -- numeric NaN compares greater than Infinity, so this also rejects NaN
    IF p_row.list_price IS NULL OR NOT (p_row.list_price >= 0 AND p_row.list_price < 'Infinity') THEN
        RAISE EXCEPTION 'list price must be a finite number of 0 or more, not %',
            coalesce(p_row.list_price::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    IF erp._code_key(p_row.barcode) = '' THEN
        RAISE EXCEPTION 'product barcode is empty' USING ERRCODE = 'ZE003', HINT = 'Pass NULL for none.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._product_validate(erp.erp_products) IS 'ZE003 unless a product is valid.';
