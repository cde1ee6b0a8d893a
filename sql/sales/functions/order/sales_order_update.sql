-- Patches a draft order (partner_id, currency, order_date, note); its amounts are computed
-- again (a new currency rounds at its own minor unit, and its lines' amounts with it).
CREATE OR REPLACE FUNCTION erp.sales_order_update(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_order_id uuid,
    p_patch jsonb,
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
    v_old := erp._sales_order_draft(p_tenant_id, p_order_id, p_expected_version);
    v_new := erp._sales_order_patch(v_old, p_patch);
    PERFORM erp._sales_order_check(p_tenant_id, ARRAY[v_new], false);
    IF v_new.partner_id IS DISTINCT FROM v_old.partner_id THEN
        PERFORM erp._sales_partner_check(p_tenant_id, v_new.partner_id);
    END IF;
    PERFORM erp._sales_order_save(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
    RETURN erp.sales_order_get(p_tenant_id, p_order_id);
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a draft sales order (audited; amounts re-computed; no event when nothing changes).';
REVOKE ALL ON FUNCTION erp.sales_order_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_update(uuid, uuid, text, text, uuid, jsonb, bigint) TO erp_app, erp_admin;
