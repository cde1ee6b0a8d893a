-- Restores an archived partner; a contact comes back only while its parent company is active
-- (ZE009: restore the company first). Restoring an active partner returns it unchanged.
CREATE OR REPLACE FUNCTION erp.partner_restore(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_expected_version bigint DEFAULT NULL
) RETURNS erp.erp_partners
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.erp_partners;
    v_new erp.erp_partners;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._partner_lock(p_tenant_id, p_id, p_expected_version);
    IF v_old.active THEN
        RETURN v_old;
    END IF;
    v_new := v_old;
    v_new.active := true;
    PERFORM erp._partner_parent_check(p_tenant_id, v_old, v_new);
    RETURN erp._partner_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'restored');
END
$fn$;
COMMENT ON FUNCTION erp.partner_restore(uuid, uuid, text, text, uuid, bigint) IS
    'Restores an archived partner (audited); ZE009 while its parent company is archived.';
REVOKE ALL ON FUNCTION erp.partner_restore(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.partner_restore(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
