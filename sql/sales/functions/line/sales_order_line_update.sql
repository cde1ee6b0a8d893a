-- Patches a line of a draft order (product_id, description, quantity, uom_id, price_unit,
-- discount, tax_ids); p_expected_version is the order's. A new product without a new unit
-- takes the product's unit. A patch that changes nothing writes nothing.
CREATE OR REPLACE FUNCTION erp.sales_order_line_update(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_line_id uuid,
    p_patch jsonb,
    p_expected_version bigint DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.sales_order_lines;
    v_new erp.sales_order_lines;
    v_priced record;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._sales_line_lock(p_tenant_id, p_line_id, p_expected_version);
    IF NOT v_old.active THEN
        RAISE EXCEPTION 'sales order line % was removed', p_line_id USING ERRCODE = 'ZE009';
    END IF;
    v_new := erp._sales_order_line_patch(v_old, p_patch - 'tax_ids');
    IF p_patch ? 'tax_ids' THEN
        v_new.tax_ids := erp._sales_tax_ids(p_patch -> 'tax_ids');
    END IF;
    v_new.description := pg_catalog.btrim(v_new.description, E' \t\r\n');
    IF v_new.product_id IS DISTINCT FROM v_old.product_id AND NOT p_patch ? 'uom_id' THEN
        v_new.uom_id := (SELECT p.uom_id FROM erp.erp_products AS p
            WHERE p.tenant_id = p_tenant_id AND p.id = v_new.product_id);
        v_new.uom_id := coalesce(v_new.uom_id, v_old.uom_id);
    END IF;
    PERFORM erp._sales_line_check(p_tenant_id, v_new);
    SELECT * INTO v_priced FROM erp._sales_lines_priced(p_tenant_id,
        erp._sales_order_lock(p_tenant_id, v_old.order_id, NULL), ARRAY[v_new]);
    IF v_priced.o_lines[1] IS NOT DISTINCT FROM v_old THEN
        RETURN erp.sales_order_get(p_tenant_id, v_old.order_id);
    END IF;
    PERFORM erp._sales_order_line_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        v_old, v_priced.o_lines[1], 'updated');
    RETURN erp._sales_lines_changed(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old.order_id);
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_line_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a line of a draft sales order (audited; the order''s version and amounts move).';
REVOKE ALL ON FUNCTION erp.sales_order_line_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_line_update(uuid, uuid, text, text, uuid, jsonb, bigint) TO erp_app, erp_admin;
