-- Products of a tenant ordered by SKU (then id); p_uom_id matches the unit a product is sold
-- in (not its purchase unit); every filter is optional (NULL: any).
CREATE OR REPLACE FUNCTION erp.product_list(
    p_tenant_id uuid,
    p_include_archived boolean DEFAULT false,
    p_uom_id uuid DEFAULT NULL,
    p_product_type text DEFAULT NULL
) RETURNS SETOF erp.erp_products
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT p.* FROM erp.erp_products AS p
    WHERE p.tenant_id = p_tenant_id
        AND (p.active OR coalesce(p_include_archived, false))
        AND (p_uom_id IS NULL OR p.uom_id = p_uom_id)
        AND (p_product_type IS NULL OR p.product_type = p_product_type)
    ORDER BY p.sku_key, p.id
$fn$;
COMMENT ON FUNCTION erp.product_list(uuid, boolean, uuid, text) IS
    'The tenant''s products ordered by SKU; archived ones only on request; optional unit and type filters.';
REVOKE ALL ON FUNCTION erp.product_list(uuid, boolean, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.product_list(uuid, boolean, uuid, text) TO erp_app, erp_admin;
