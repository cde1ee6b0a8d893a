-- Archives a product (nothing in erp.base references products, so it is never refused).
-- Archiving an archived product returns it unchanged (no event).
CREATE OR REPLACE FUNCTION erp.product_archive(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_expected_version bigint DEFAULT NULL
) RETURNS erp.erp_products
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.erp_products;
    v_new erp.erp_products;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._product_lock(p_tenant_id, p_id, p_expected_version);
    v_new := v_old;
    v_new.active := false;
    RETURN erp._product_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'archived');
END
$fn$;
COMMENT ON FUNCTION erp.product_archive(uuid, uuid, text, text, uuid, bigint) IS
    'Archives a product (audited).';
REVOKE ALL ON FUNCTION erp.product_archive(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.product_archive(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
