-- Checks the units of a product that is being created, re-united or restored: the unit and
-- the purchase unit exist in this tenant (ZE001), are active (ZE009) and share a category
-- (ZE009). Both rows are locked FOR KEY SHARE (what the foreign keys take anyway; many
-- products are written with one unit at once): uom_archive locks a unit FOR UPDATE, so it
-- waits for this transaction and then counts this product.
CREATE OR REPLACE FUNCTION erp._product_uom_check(p_tenant_id uuid, p_row erp.erp_products) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_uom erp.erp_uoms;
    v_purchase erp.erp_uoms;
BEGIN
    SELECT u.* INTO v_uom FROM erp.erp_uoms AS u
    WHERE u.tenant_id = p_tenant_id AND u.id = p_row.uom_id
    FOR KEY SHARE;  -- after a wait, the row as its last writer committed it
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unit % not found in this tenant', p_row.uom_id USING ERRCODE = 'ZE001';
    END IF;
    IF NOT v_uom.active THEN
        RAISE EXCEPTION 'unit % is archived', v_uom.code
            USING ERRCODE = 'ZE009', HINT = 'Restore the unit first, or choose another one.';
    END IF;
    IF p_row.purchase_uom_id IS NULL OR p_row.purchase_uom_id = p_row.uom_id THEN
        RETURN;
    END IF;
    SELECT u.* INTO v_purchase FROM erp.erp_uoms AS u
    WHERE u.tenant_id = p_tenant_id AND u.id = p_row.purchase_uom_id
    FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'purchase unit % not found in this tenant', p_row.purchase_uom_id
            USING ERRCODE = 'ZE001';
    END IF;
    IF NOT v_purchase.active THEN
        RAISE EXCEPTION 'purchase unit % is archived', v_purchase.code
            USING ERRCODE = 'ZE009', HINT = 'Restore the unit first, or choose another one.';
    END IF;
    IF v_purchase.category_id <> v_uom.category_id THEN
        RAISE EXCEPTION 'purchase unit % is not in the category of unit %', v_purchase.code, v_uom.code
            USING ERRCODE = 'ZE009',
            HINT = 'A product is bought in a unit that converts to the unit it is sold in.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._product_uom_check(uuid, erp.erp_products) IS
    'Unit and purchase unit of a product: exist (ZE001), active, same category (ZE009); locks them FOR KEY SHARE.';
