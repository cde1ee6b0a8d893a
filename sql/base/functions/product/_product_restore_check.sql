-- The restore check of a product (erp_meta.entity_types.restore_check, called by the generated
-- erp.product_restore before the write): its unit and purchase unit must be active (ZE009).
CREATE OR REPLACE FUNCTION erp._product_restore_check(
    p_tenant_id uuid, p_old erp.erp_products, p_new erp.erp_products
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF p_old.active OR NOT p_new.active THEN
        RETURN;  -- only a product coming back needs active units
    END IF;
    PERFORM erp._product_uom_check(p_tenant_id, p_new);
END
$fn$;
COMMENT ON FUNCTION erp._product_restore_check(uuid, erp.erp_products, erp.erp_products) IS
    'Refuses to restore a product while its unit or purchase unit is archived (ZE009).';
