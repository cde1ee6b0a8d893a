-- The write check of a product (erp_meta.entity_types.write_check), called by the generated
-- erp.product_create (p_old NULL) and erp.product_update: SKU (and barcode, when given) within
-- the limits, a list price of 0 or more; a new or changed unit and purchase unit must be
-- active and share a category (ZE009).
CREATE OR REPLACE FUNCTION erp._product_write_check(
    p_tenant_id uuid, p_old erp.erp_products, p_new erp.erp_products
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_units_ok boolean;
BEGIN
    PERFORM erp._product_validate(p_new);
    IF p_old.id IS NOT NULL THEN
        IF (p_new.uom_id, p_new.purchase_uom_id) IS DISTINCT FROM (p_old.uom_id, p_old.purchase_uom_id) THEN
            PERFORM erp._product_uom_check(p_tenant_id, p_new);
        END IF;
        RETURN;
    END IF;
    -- a new product's units exist, are active and share a category: one statement, which also
    -- takes KEY SHARE on them (an archive's FOR UPDATE waits for this transaction, and after a
    -- wait the lock returns the committed row); erp._product_uom_check explains a refusal
    SELECT coalesce(count(*) FILTER (WHERE u.active) = CASE
            WHEN p_new.purchase_uom_id IS NULL OR p_new.purchase_uom_id = p_new.uom_id THEN 1 ELSE 2 END
        AND count(DISTINCT u.category_id) = 1, false)
    INTO v_units_ok
    FROM (
        SELECT u.active, u.category_id FROM erp.erp_uoms AS u
        WHERE u.tenant_id = p_tenant_id AND u.id IN (p_new.uom_id, p_new.purchase_uom_id)
        FOR KEY SHARE
    ) AS u;
    IF NOT v_units_ok THEN
        PERFORM erp._product_uom_check(p_tenant_id, p_new);
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._product_write_check(uuid, erp.erp_products, erp.erp_products) IS
    'Checks a product before it is written (limits; new or changed units active and of one category).';
