-- Patches the tenant's sales settings (default_currency, tax_rounding, order_sequence_code),
-- creating them first when missing. A new sequence code gets its sequence when the tenant has
-- none of that code. Orders keep the currency and rounding method they were created with.
CREATE OR REPLACE FUNCTION erp.sales_settings_set(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_patch jsonb
) RETURNS erp.sales_settings
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.sales_settings;
    v_new erp.sales_settings;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._sales_settings_ensure(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    v_old := erp._sales_settings_lock(p_tenant_id, v_old.id, NULL);
    v_new := erp._sales_settings_patch(v_old, p_patch);
    v_new.order_sequence_code := pg_catalog.btrim(v_new.order_sequence_code, E' \t\r\n');
    PERFORM erp._sales_settings_check(p_tenant_id, ARRAY[v_new], false);
    PERFORM erp._sales_currency_digits(v_new.default_currency);
    IF v_new.order_sequence_code IS DISTINCT FROM v_old.order_sequence_code THEN
        PERFORM erp._sales_sequence_ensure(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
            v_new.order_sequence_code);
    END IF;
    RETURN erp._sales_settings_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
END
$fn$;
COMMENT ON FUNCTION erp.sales_settings_set(uuid, uuid, text, text, jsonb) IS
    'Patches the tenant''s sales settings (audited; created with the defaults when missing).';
REVOKE ALL ON FUNCTION erp.sales_settings_set(uuid, uuid, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_settings_set(uuid, uuid, text, text, jsonb) TO erp_app, erp_admin;
