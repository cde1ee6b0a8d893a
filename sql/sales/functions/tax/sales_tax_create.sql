-- Creates a sales tax: code unique per tenant after trim + NFKC + case folding, a rate in
-- percent (0 <= rate < 1000, at most 4 decimals), price_include when prices contain the tax.
CREATE OR REPLACE FUNCTION erp.sales_tax_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_name text,
    p_rate numeric,
    p_price_include boolean DEFAULT false
) RETURNS erp.sales_taxes
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.sales_taxes;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_row.code := pg_catalog.btrim(p_code, E' \t\r\n');
    v_row.name := pg_catalog.btrim(p_name, E' \t\r\n');
    v_row.rate := p_rate;
    v_row.price_include := p_price_include;
    PERFORM erp._sales_tax_check(p_tenant_id, ARRAY[v_row], true);
    RETURN erp._sales_tax_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
END
$fn$;
COMMENT ON FUNCTION erp.sales_tax_create(uuid, uuid, text, text, text, text, numeric, boolean) IS
    'Creates a sales tax (code unique per tenant; rate in percent; audited).';
REVOKE ALL ON FUNCTION erp.sales_tax_create(uuid, uuid, text, text, text, text, numeric, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_tax_create(uuid, uuid, text, text, text, text, numeric, boolean)
TO erp_app, erp_admin;
