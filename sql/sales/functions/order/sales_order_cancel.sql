-- Cancels a draft or confirmed order (event cancelled), refused (ZE009) once a line has a
-- delivered quantity or when the order is done or cancelled; then the hooks
-- erp.sales.order.cancel run with {"order", "actor_user_id", "actor_type", "trace_id"}.
CREATE OR REPLACE FUNCTION erp.sales_order_cancel(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_order_id uuid,
    p_expected_version bigint DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.sales_orders;
    v_new erp.sales_orders;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._sales_order_lock(p_tenant_id, p_order_id, p_expected_version);
    IF v_old.state NOT IN ('draft', 'confirmed') THEN
        RAISE EXCEPTION 'sales order % is % and cannot be cancelled', coalesce(v_old.number, v_old.id::text), v_old.state
            USING ERRCODE = 'ZE009';
    END IF;
    IF EXISTS (
        SELECT 1 FROM erp.sales_order_lines AS l
        WHERE l.tenant_id = p_tenant_id AND l.order_id = p_order_id AND l.qty_delivered > 0
    ) THEN
        RAISE EXCEPTION 'sales order % has delivered goods and cannot be cancelled', coalesce(v_old.number, v_old.id::text)
            USING ERRCODE = 'ZE009', HINT = 'Return the goods first.';
    END IF;
    v_new := v_old;
    v_new.state := 'cancelled';
    PERFORM erp._sales_order_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'cancelled');
    PERFORM erp._hooks_run('erp.sales.order.cancel', p_tenant_id, pg_catalog.jsonb_build_object(
        'order', erp.sales_order_get(p_tenant_id, p_order_id), 'actor_user_id', p_actor_user_id,
        'actor_type', p_actor_type, 'trace_id', p_trace_id));
    RETURN erp.sales_order_get(p_tenant_id, p_order_id);
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_cancel(uuid, uuid, text, text, uuid, bigint) IS
    'Cancels a draft or confirmed sales order (audited; ZE009 once delivered; runs the erp.sales.order.cancel hooks).';
REVOKE ALL ON FUNCTION erp.sales_order_cancel(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_cancel(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
