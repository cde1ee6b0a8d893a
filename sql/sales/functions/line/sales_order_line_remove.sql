-- Removes a line of a draft order: nothing is deleted, the line is archived (active = false,
-- event archived), leaves the order's amounts and its "lines", and stays in the trail;
-- p_expected_version is the order's. Removing a removed line changes nothing.
CREATE OR REPLACE FUNCTION erp.sales_order_line_remove(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_line_id uuid,
    p_expected_version bigint DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.sales_order_lines;
    v_new erp.sales_order_lines;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._sales_line_lock(p_tenant_id, p_line_id, p_expected_version);
    IF NOT v_old.active THEN
        RETURN erp.sales_order_get(p_tenant_id, v_old.order_id);
    END IF;
    v_new := v_old;
    v_new.active := false;
    PERFORM erp._sales_order_line_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'archived');
    RETURN erp._sales_lines_changed(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old.order_id);
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_line_remove(uuid, uuid, text, text, uuid, bigint) IS
    'Removes (archives) a line of a draft sales order (audited; the order''s version and amounts move).';
REVOKE ALL ON FUNCTION erp.sales_order_line_remove(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_line_remove(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
