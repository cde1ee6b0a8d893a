-- Raises ZE010 (insufficient stock) naming the product, the location and the quantities in
-- the message and, for programs, in the DETAIL: product=<sku> location=<code> available=<n>
-- requested=<n> (the product's unit).
CREATE OR REPLACE FUNCTION erp._inventory_shortage(
    p_tenant_id uuid, p_product_id uuid, p_location_id uuid, p_available numeric, p_requested numeric
) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_sku text;
    v_code text;
BEGIN
    SELECT p.sku INTO v_sku FROM erp.erp_products AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_product_id;
    SELECT l.code INTO v_code FROM erp.inventory_locations AS l WHERE l.tenant_id = p_tenant_id AND l.id = p_location_id;
    RAISE EXCEPTION 'not enough % in %: % available, % requested', erp._clip(v_sku, 40), erp._clip(v_code, 40),
        GREATEST(p_available, 0), p_requested
        USING ERRCODE = 'ZE010',
        DETAIL = pg_catalog.format('product=%s location=%s available=%s requested=%s',
            pg_catalog.left(v_sku, 100), pg_catalog.left(v_code, 100), GREATEST(p_available, 0), p_requested),
        HINT = 'Receive or count the stock first, or reserve partially.';
END
$fn$;
COMMENT ON FUNCTION erp._inventory_shortage(uuid, uuid, uuid, numeric, numeric) IS
    'Raises ZE010 with DETAIL product=… location=… available=… requested=….';
