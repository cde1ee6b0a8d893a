-- One order as JSON: its columns (amounts as JSON numbers, ids as strings) plus "lines", its
-- active lines in position order, each with its columns. ZE001 when missing in this tenant.
CREATE OR REPLACE FUNCTION erp.sales_order_get(p_tenant_id uuid, p_order_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_order jsonb;
BEGIN
    SELECT pg_catalog.to_jsonb(o) || pg_catalog.jsonb_build_object('lines', coalesce((
            SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l) ORDER BY l.position)
            FROM erp.sales_order_lines AS l
            WHERE l.tenant_id = p_tenant_id AND l.order_id = o.id AND l.active
        ), '[]'))
    INTO v_order
    FROM erp.sales_orders AS o
    WHERE o.tenant_id = p_tenant_id AND o.id = p_order_id;
    IF v_order IS NULL THEN
        RAISE EXCEPTION 'sales order % not found in this tenant', coalesce(p_order_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    RETURN v_order;
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_get(uuid, uuid) IS
    'One sales order with its lines in position order, as JSON (ZE001 if missing).';
REVOKE ALL ON FUNCTION erp.sales_order_get(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_get(uuid, uuid) TO erp_app, erp_admin;
