-- Restores an archived unit. A reference unit comes back only if its category has no other
-- active reference unit, a bigger/smaller unit only if it has one (ZE009). Restoring an
-- active unit returns it unchanged (no event).
CREATE OR REPLACE FUNCTION erp.uom_restore(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_expected_version bigint DEFAULT NULL
) RETURNS erp.erp_uoms
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.erp_uoms;
    v_new erp.erp_uoms;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._uom_lock(p_tenant_id, p_id, p_expected_version);
    IF v_old.active THEN
        RETURN v_old;
    END IF;
    v_new := v_old;
    v_new.active := true;
    PERFORM erp._uom_reference_check(p_tenant_id, v_old, v_new);
    RETURN erp._uom_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'restored');
END
$fn$;
COMMENT ON FUNCTION erp.uom_restore(uuid, uuid, text, text, uuid, bigint) IS
    'Restores an archived unit of measure (audited); ZE009 if its category''s reference rule would break.';
REVOKE ALL ON FUNCTION erp.uom_restore(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_restore(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
