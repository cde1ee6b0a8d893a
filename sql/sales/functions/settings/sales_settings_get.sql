-- The tenant's sales settings; before any sales write created them, the defaults that the first
-- one will store (id NULL, version 0). An unknown or inactive tenant is ZE006.
CREATE OR REPLACE FUNCTION erp.sales_settings_get(p_tenant_id uuid) RETURNS erp.sales_settings
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.sales_settings;
BEGIN
    SELECT s.* INTO v_row FROM erp.sales_settings AS s WHERE s.tenant_id = p_tenant_id;
    IF FOUND THEN
        RETURN v_row;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id AND t.active) THEN
        RAISE EXCEPTION 'unknown or inactive tenant %', coalesce(p_tenant_id::text, 'NULL')
            USING ERRCODE = 'ZE006';
    END IF;
    v_row.tenant_id := p_tenant_id;
    v_row.default_currency := 'EUR';
    v_row.tax_rounding := 'per_line';
    v_row.order_sequence_code := 'SO';
    v_row.active := true;
    v_row.version := 0;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.sales_settings_get(uuid) IS
    'The tenant''s sales settings (the defaults, version 0, until first stored; ZE006 unknown tenant).';
REVOKE ALL ON FUNCTION erp.sales_settings_get(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_settings_get(uuid) TO erp_app, erp_admin;
