-- The tenant's sales settings, created with the defaults (EUR, per_line, sequence SO) on first
-- use. The first creation holds the tenant row, so two first orders of a tenant at once create
-- one settings row and one sequence (the later waits, then finds them).
CREATE OR REPLACE FUNCTION erp._sales_settings_ensure(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text
) RETURNS erp.sales_settings
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_row erp.sales_settings;
BEGIN
    SELECT s.* INTO v_row FROM erp.sales_settings AS s WHERE s.tenant_id = p_tenant_id;
    IF FOUND THEN
        RETURN v_row;
    END IF;
    PERFORM 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id FOR NO KEY UPDATE;
    SELECT s.* INTO v_row FROM erp.sales_settings AS s WHERE s.tenant_id = p_tenant_id;
    IF FOUND THEN
        RETURN v_row;
    END IF;
    v_row.default_currency := 'EUR';
    v_row.tax_rounding := 'per_line';
    v_row.order_sequence_code := 'SO';
    PERFORM erp._sales_sequence_ensure(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row.order_sequence_code);
    RETURN erp._sales_settings_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
END
$fn$;
COMMENT ON FUNCTION erp._sales_settings_ensure(uuid, uuid, text, text) IS
    'The tenant''s sales settings, created (audited) with the defaults and the SO sequence when missing.';
