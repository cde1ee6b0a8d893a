-- Creates a product: SKU (and barcode, when given) unique per tenant, an active unit, an
-- optional active purchase unit of the same category, a list price of 0 or more.
CREATE OR REPLACE FUNCTION erp.product_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_sku text,
    p_name text,
    p_uom_id uuid,
    p_product_type text DEFAULT 'goods',
    p_list_price numeric DEFAULT 0,
    p_barcode text DEFAULT NULL,
    p_purchase_uom_id uuid DEFAULT NULL
) RETURNS erp.erp_products
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_products;
    v_units_ok boolean;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_row.sku := btrim(p_sku, E' \t\r\n');
    v_row.name := btrim(p_name, E' \t\r\n');
    v_row.product_type := p_product_type;
    v_row.uom_id := p_uom_id;
    v_row.purchase_uom_id := p_purchase_uom_id;
    v_row.list_price := p_list_price;
    v_row.barcode := btrim(p_barcode, E' \t\r\n');
    v_row.active := true;
    PERFORM erp._product_validate(v_row);
    -- the units exist, are active and share a category: one statement, which also takes KEY
    -- SHARE on them (an archive's FOR UPDATE waits for this transaction, and after a wait the
    -- lock returns the committed row); erp._product_uom_check explains a refusal
    SELECT coalesce(count(*) FILTER (WHERE u.active) = CASE
            WHEN v_row.purchase_uom_id IS NULL OR v_row.purchase_uom_id = v_row.uom_id THEN 1 ELSE 2 END
        AND count(DISTINCT u.category_id) = 1, false)
    INTO v_units_ok
    FROM (
        SELECT u.active, u.category_id FROM erp.erp_uoms AS u
        WHERE u.tenant_id = p_tenant_id AND u.id IN (v_row.uom_id, v_row.purchase_uom_id)
        FOR KEY SHARE
    ) AS u;
    IF NOT v_units_ok THEN
        PERFORM erp._product_uom_check(p_tenant_id, v_row);
    END IF;
    v_row := erp._product_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.product_create(uuid, uuid, text, text, text, text, uuid, text, numeric, text, uuid) IS
    'Creates a product (SKU and barcode unique per tenant; units active and of one category; audited).';
REVOKE ALL ON FUNCTION erp.product_create(uuid, uuid, text, text, text, text, uuid, text, numeric, text, uuid)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.product_create(uuid, uuid, text, text, text, text, uuid, text, numeric, text, uuid)
TO erp_app, erp_admin;
