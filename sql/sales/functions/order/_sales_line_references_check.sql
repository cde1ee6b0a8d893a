-- The references of a line that must still be usable: an active product, a unit of the
-- product's category, distinct active taxes of the tenant (share-locked so that one cannot be
-- archived while this line takes it). Confirmation checks only these: a stored line already
-- satisfies its table's rules.
CREATE OR REPLACE FUNCTION erp._sales_line_references_check(p_tenant_id uuid, p_line erp.sales_order_lines)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_product erp.erp_products;
    v_product_category uuid;
    v_uom erp.erp_uoms;
    v_found bigint;
    v_inactive text;
BEGIN
    SELECT p.* INTO v_product FROM erp.erp_products AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_line.product_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'product % not found in this tenant', p_line.product_id USING ERRCODE = 'ZE001';
    END IF;
    IF NOT v_product.active THEN
        RAISE EXCEPTION 'product % is archived', v_product.sku
            USING ERRCODE = 'ZE009', HINT = 'Restore the product or choose another one.';
    END IF;
    SELECT u.category_id INTO v_product_category FROM erp.erp_uoms AS u
    WHERE u.tenant_id = p_tenant_id AND u.id = v_product.uom_id;
    SELECT u.* INTO v_uom FROM erp.erp_uoms AS u WHERE u.tenant_id = p_tenant_id AND u.id = p_line.uom_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unit % not found in this tenant', p_line.uom_id USING ERRCODE = 'ZE001';
    END IF;
    IF NOT v_uom.active OR v_uom.category_id <> v_product_category THEN
        RAISE EXCEPTION 'unit % is archived or not of the category of product %', v_uom.code, v_product.sku
            USING ERRCODE = 'ZE009', HINT = 'Use an active unit of the product''s unit category.';
    END IF;
    IF pg_catalog.cardinality(p_line.tax_ids) > 0 THEN
        IF (SELECT count(DISTINCT t) FROM pg_catalog.unnest(p_line.tax_ids) AS t) < pg_catalog.cardinality(p_line.tax_ids) THEN
            RAISE EXCEPTION 'a line names a tax twice' USING ERRCODE = 'ZE003', HINT = 'tax_ids is a set.';
        END IF;
        SELECT count(*), pg_catalog.min(t.code) FILTER (WHERE NOT t.active) INTO v_found, v_inactive
        FROM (
            SELECT t.code, t.active FROM erp.sales_taxes AS t
            WHERE t.tenant_id = p_tenant_id AND t.id = ANY (p_line.tax_ids)
            FOR SHARE
        ) AS t;
        IF v_found < pg_catalog.cardinality(p_line.tax_ids) THEN
            RAISE EXCEPTION 'a tax of the line is not found in this tenant' USING ERRCODE = 'ZE001';
        END IF;
        IF v_inactive IS NOT NULL THEN
            RAISE EXCEPTION 'tax % is archived', v_inactive
                USING ERRCODE = 'ZE009', HINT = 'Restore the tax or remove it from the line.';
        END IF;
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sales_line_references_check(uuid, erp.sales_order_lines) IS
    'ZE009 for an archived product, unit or tax or a unit of another category, ZE001 for a missing '
    'product, unit or tax.';
