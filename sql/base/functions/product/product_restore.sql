-- Restores an archived product; its unit and purchase unit must be active (ZE009: restore them
-- first). Restoring an active product returns it unchanged (no event).
CREATE OR REPLACE FUNCTION erp.product_restore(
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
    IF v_old.active THEN
        RETURN v_old;
    END IF;
    v_new := v_old;
    v_new.active := true;
    PERFORM erp._product_uom_check(p_tenant_id, v_new);
    RETURN erp._product_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'restored');
END
$fn$;
COMMENT ON FUNCTION erp.product_restore(uuid, uuid, text, text, uuid, bigint) IS
    'Restores an archived product (audited); ZE009 while its unit or purchase unit is archived.';
REVOKE ALL ON FUNCTION erp.product_restore(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.product_restore(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
