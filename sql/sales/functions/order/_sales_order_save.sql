-- Writes a changed order (p_new, with the event p_event) after pricing its active lines again:
-- a line whose amounts moved (the currency changed, a tax's rate changed) is written too, then
-- the order with its new totals. Called with the order locked.
CREATE OR REPLACE FUNCTION erp._sales_order_save(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_old erp.sales_orders, p_new erp.sales_orders, p_event text
) RETURNS erp.sales_orders
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_lines erp.sales_order_lines [];
    v_priced record;
BEGIN
    SELECT coalesce(pg_catalog.array_agg(l ORDER BY l.position), '{}') INTO v_lines
    FROM erp.sales_order_lines AS l
    WHERE l.tenant_id = p_tenant_id AND l.order_id = p_new.id AND l.active;
    SELECT * INTO v_priced FROM erp._sales_lines_priced(p_tenant_id, p_new, v_lines);
    FOR i IN 1 .. pg_catalog.cardinality(v_lines) LOOP
        PERFORM erp._sales_order_line_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
            v_lines[i], v_priced.o_lines[i], 'updated');
    END LOOP;
    RETURN erp._sales_order_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, p_old, v_priced.o_order, p_event);
END
$fn$;
COMMENT ON FUNCTION erp._sales_order_save(uuid, uuid, text, text, erp.sales_orders, erp.sales_orders, text) IS
    'Writes an order with its totals re-computed from its active lines (and the lines whose amounts moved).';
