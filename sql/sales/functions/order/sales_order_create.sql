-- Creates a draft order with its lines, all written at once (one created event per record):
-- partner an active customer, currency an ISO 4217 code (default the settings' currency), order
-- date default today in the tenant's zone, tax rounding copied from the settings, at most 1000
-- lines (refused before any work). Returns the order as erp.sales_order_get does.
CREATE OR REPLACE FUNCTION erp.sales_order_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_partner_id uuid,
    p_order_date date DEFAULT NULL,
    p_currency text DEFAULT NULL,
    p_lines jsonb DEFAULT '[]',
    p_note text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_settings erp.sales_settings;
    v_order erp.sales_orders;
    v_lines erp.sales_order_lines [] := '{}'::erp.sales_order_lines [];
    v_priced record;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    IF p_lines IS NULL OR pg_catalog.jsonb_typeof(p_lines) <> 'array' OR pg_catalog.jsonb_array_length(p_lines) > 1000 THEN
        RAISE EXCEPTION 'p_lines must be a JSON array of at most 1000 lines'
            USING ERRCODE = 'ZE003', HINT = 'Split a larger order, or add lines with erp.sales_order_line_add.';
    END IF;
    v_settings := erp._sales_settings_ensure(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    v_order.id := erp.uuid_v7();
    v_order.tenant_id := p_tenant_id;
    v_order.partner_id := p_partner_id;
    v_order.currency := coalesce(p_currency, v_settings.default_currency);
    v_order.order_date := erp._sequence_date(p_order_date,
        (SELECT t.timezone FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id));
    v_order.state := 'draft';
    v_order.tax_rounding := v_settings.tax_rounding;
    v_order.note := p_note;
    v_order.lines_version := 0;
    PERFORM erp._sales_order_check(p_tenant_id, ARRAY[v_order], true);
    PERFORM erp._sales_partner_check(p_tenant_id, p_partner_id);
    PERFORM erp._sales_currency_digits(v_order.currency);
    FOR i IN 1 .. pg_catalog.jsonb_array_length(p_lines) LOOP
        v_lines[i] := erp._sales_line_from_json(p_tenant_id, v_order.id, p_lines -> (i - 1), i);
    END LOOP;
    IF v_lines IS NOT NULL THEN
        -- the table's rules of every line in one statement, then each line's references
        PERFORM erp._sales_order_line_check(NULL, v_lines, false);
        FOR i IN 1 .. pg_catalog.cardinality(v_lines) LOOP
            PERFORM erp._sales_line_references_check(p_tenant_id, v_lines[i]);
        END LOOP;
    END IF;
    SELECT * INTO v_priced FROM erp._sales_lines_priced(p_tenant_id, v_order, v_lines);
    PERFORM erp._sales_order_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_priced.o_order);
    PERFORM erp._sales_order_line_insert(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_priced.o_lines);
    RETURN erp.sales_order_get(p_tenant_id, v_order.id);
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_create(uuid, uuid, text, text, uuid, date, text, jsonb, text) IS
    'Creates a draft sales order with its lines and amounts (audited, one event per record).';
REVOKE ALL ON FUNCTION erp.sales_order_create(uuid, uuid, text, text, uuid, date, text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_create(uuid, uuid, text, text, uuid, date, text, jsonb, text) TO erp_app, erp_admin;
