-- Patches a product (sku, name, product_type, uom_id, purchase_uom_id, list_price, barcode).
-- A changed unit or purchase unit must be active and both must share a category (ZE009).
CREATE OR REPLACE FUNCTION erp.product_update(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_patch jsonb,
    p_expected_version bigint DEFAULT NULL
) RETURNS erp.erp_products
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.erp_products;
    v_new erp.erp_products;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._product_lock(p_tenant_id, p_id, p_expected_version);
    v_new := erp._product_patch(v_old, p_patch);
    v_new.sku := btrim(v_new.sku, E' \t\r\n');
    v_new.name := btrim(v_new.name, E' \t\r\n');
    v_new.barcode := btrim(v_new.barcode, E' \t\r\n');
    PERFORM erp._product_validate(v_new);
    IF (v_new.uom_id, v_new.purchase_uom_id) IS DISTINCT FROM (v_old.uom_id, v_old.purchase_uom_id) THEN
        PERFORM erp._product_uom_check(p_tenant_id, v_new);
    END IF;
    RETURN erp._product_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
END
$fn$;
COMMENT ON FUNCTION erp.product_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a product (audited; no event when nothing changes).';
REVOKE ALL ON FUNCTION erp.product_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.product_update(uuid, uuid, text, text, uuid, jsonb, bigint)
TO erp_app, erp_admin;
