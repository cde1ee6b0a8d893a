-- Adds a line to a draft order (after its last position); p_expected_version is the order's.
-- The order gets a new version and its amounts (an order event). At most 1000 active lines.
CREATE OR REPLACE FUNCTION erp.sales_order_line_add(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_order_id uuid,
    p_line jsonb,
    p_expected_version bigint DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_order erp.sales_orders;
    v_line erp.sales_order_lines;
    v_position integer;
    v_active bigint;
    v_priced record;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_order := erp._sales_order_draft(p_tenant_id, p_order_id, p_expected_version);
    SELECT coalesce(max(l.position), 0) + 1, count(*) FILTER (WHERE l.active) INTO v_position, v_active
    FROM erp.sales_order_lines AS l WHERE l.tenant_id = p_tenant_id AND l.order_id = p_order_id;
    IF v_active >= 1000 THEN
        RAISE EXCEPTION 'sales order % has 1000 lines already', p_order_id USING ERRCODE = 'ZE003';
    END IF;
    v_line := erp._sales_line_from_json(p_tenant_id, p_order_id, p_line, v_position);
    PERFORM erp._sales_line_check(p_tenant_id, v_line);
    SELECT * INTO v_priced FROM erp._sales_lines_priced(p_tenant_id, v_order, ARRAY[v_line]);
    PERFORM erp._sales_order_line_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_priced.o_lines[1]);
    RETURN erp._sales_lines_changed(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, p_order_id);
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_line_add(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Adds a line to a draft sales order (audited; the order''s version and amounts move).';
REVOKE ALL ON FUNCTION erp.sales_order_line_add(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_line_add(uuid, uuid, text, text, uuid, jsonb, bigint) TO erp_app, erp_admin;
