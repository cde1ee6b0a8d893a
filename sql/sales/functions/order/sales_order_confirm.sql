-- Confirms a draft order: at least one line; partner, products, units and taxes still active;
-- amounts computed again on the taxes in force; state confirmed (event confirmed); the number
-- is requested from the settings' sequence and written at commit; then the hooks
-- erp.sales.order.confirm run with {"order", "actor_user_id", "actor_type", "trace_id"}.
-- A second confirmation waits for the first and is ZE009 (or ZE004 with a stale version).
CREATE OR REPLACE FUNCTION erp.sales_order_confirm(
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
    v_line erp.sales_order_lines;
    v_settings erp.sales_settings;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._sales_order_draft(p_tenant_id, p_order_id, p_expected_version);
    PERFORM erp._sales_partner_check(p_tenant_id, v_old.partner_id);
    FOR v_line IN
        SELECT l.* FROM erp.sales_order_lines AS l
        WHERE l.tenant_id = p_tenant_id AND l.order_id = p_order_id AND l.active
        ORDER BY l.position
    LOOP
        PERFORM erp._sales_line_references_check(p_tenant_id, v_line);
    END LOOP;
    IF v_line IS NULL THEN
        RAISE EXCEPTION 'sales order % has no lines', p_order_id
            USING ERRCODE = 'ZE009', HINT = 'Add a line before confirming.';
    END IF;
    v_new := v_old;
    v_new.state := 'confirmed';
    PERFORM erp._sales_order_save(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'confirmed');
    v_settings := erp._sales_settings_ensure(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    PERFORM erp.sequence_next_at_commit(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        v_settings.sequence_code, 'erp.sales.order', p_order_id, v_old.order_date);
    PERFORM erp._hooks_run('erp.sales.order.confirm', p_tenant_id, pg_catalog.jsonb_build_object(
        'order', erp.sales_order_get(p_tenant_id, p_order_id), 'actor_user_id', p_actor_user_id,
        'actor_type', p_actor_type, 'trace_id', p_trace_id));
    RETURN erp.sales_order_get(p_tenant_id, p_order_id);
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_confirm(uuid, uuid, text, text, uuid, bigint) IS
    'Confirms a draft sales order (audited; number at commit; runs the erp.sales.order.confirm hooks).';
REVOKE ALL ON FUNCTION erp.sales_order_confirm(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_confirm(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
