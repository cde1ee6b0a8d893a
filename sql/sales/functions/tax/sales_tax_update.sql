-- Patches a sales tax (code, name, rate, price_include). Draft orders take a new rate when
-- their lines next change or when they are confirmed; confirmed orders keep their amounts.
CREATE OR REPLACE FUNCTION erp.sales_tax_update(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_patch jsonb,
    p_expected_version bigint DEFAULT NULL
) RETURNS erp.sales_taxes
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.sales_taxes;
    v_new erp.sales_taxes;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._sales_tax_lock(p_tenant_id, p_id, p_expected_version);
    v_new := erp._sales_tax_patch(v_old, p_patch);
    v_new.code := pg_catalog.btrim(v_new.code, E' \t\r\n');
    v_new.name := pg_catalog.btrim(v_new.name, E' \t\r\n');
    PERFORM erp._sales_tax_check(p_tenant_id, ARRAY[v_new], false);
    RETURN erp._sales_tax_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
END
$fn$;
COMMENT ON FUNCTION erp.sales_tax_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a sales tax (audited; no event when nothing changes).';
REVOKE ALL ON FUNCTION erp.sales_tax_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_tax_update(uuid, uuid, text, text, uuid, jsonb, bigint)
TO erp_app, erp_admin;
