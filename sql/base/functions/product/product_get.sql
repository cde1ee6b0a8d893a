CREATE OR REPLACE FUNCTION erp.product_get(p_tenant_id uuid, p_id uuid) RETURNS erp.erp_products
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_products;
BEGIN
    SELECT p.* INTO v_row FROM erp.erp_products AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'product % not found in this tenant', coalesce(p_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.product_get(uuid, uuid) IS 'One product, archived or not (ZE001 if missing).';
REVOKE ALL ON FUNCTION erp.product_get(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.product_get(uuid, uuid) TO erp_app, erp_admin;
