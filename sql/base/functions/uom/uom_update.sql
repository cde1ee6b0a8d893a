-- Patches a unit: code, name, uom_type, factor, rounding (category_id is fixed). The active
-- reference unit of a category stays its reference unit (ZE009); a reference unit has factor 1.
CREATE OR REPLACE FUNCTION erp.uom_update(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_patch jsonb,
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
    v_new := erp._uom_patch(v_old, p_patch);
    v_new.code := btrim(v_new.code, E' \t\r\n');
    v_new.name := btrim(v_new.name, E' \t\r\n');
    PERFORM erp._uom_validate(v_new);
    PERFORM erp._uom_reference_check(p_tenant_id, v_old, v_new);
    RETURN erp._uom_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
END
$fn$;
COMMENT ON FUNCTION erp.uom_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a unit of measure (audited; no event when nothing changes).';
REVOKE ALL ON FUNCTION erp.uom_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_update(uuid, uuid, text, text, uuid, jsonb, bigint) TO erp_app, erp_admin;
