-- After a change of one of its lines: the order's lines_version + 1 and its amounts computed
-- again, written as one order event (so the order's version moves with every line change).
CREATE OR REPLACE FUNCTION erp._sales_lines_changed(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text, p_order_id uuid
) RETURNS jsonb
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_old erp.sales_orders;
    v_new erp.sales_orders;
BEGIN
    v_old := erp._sales_order_lock(p_tenant_id, p_order_id, NULL);
    v_new := v_old;
    v_new.lines_version := v_old.lines_version + 1;
    PERFORM erp._sales_order_save(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
    RETURN erp.sales_order_get(p_tenant_id, p_order_id);
END
$fn$;
COMMENT ON FUNCTION erp._sales_lines_changed(uuid, uuid, text, text, uuid) IS
    'Bumps the order after a line change (lines_version, amounts; one order event); returns the order.';
