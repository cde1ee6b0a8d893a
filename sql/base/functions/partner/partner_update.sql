-- Patches a partner (code, name, kind, parent_id, email, phone, tax_id, address, is_customer,
-- is_supplier). A new parent must be an active company that is not the partner itself or one of
-- its descendants (ZE009); a company with contacts cannot become a person (ZE005).
CREATE OR REPLACE FUNCTION erp.partner_update(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_patch jsonb,
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
    IF p_patch ? 'parent_id' THEN
        PERFORM erp._partner_tree_lock(p_tenant_id);  -- before any other row lock: no deadlocks
    END IF;
    v_old := erp._partner_lock(p_tenant_id, p_id, p_expected_version);
    v_new := erp._partner_patch(v_old, p_patch);
    v_new.code := btrim(v_new.code, E' \t\r\n');
    v_new.name := btrim(v_new.name, E' \t\r\n');
    v_new.email := btrim(v_new.email, E' \t\r\n');
    v_new.phone := btrim(v_new.phone, E' \t\r\n');
    v_new.tax_id := btrim(v_new.tax_id, E' \t\r\n');
    PERFORM erp._partner_validate(v_new);
    IF v_new.parent_id IS DISTINCT FROM v_old.parent_id THEN
        PERFORM erp._partner_parent_check(p_tenant_id, v_old, v_new);
    END IF;
    -- (nested IFs: an EXISTS in the condition would run as a query on every update)
    IF v_old.kind = 'company' AND v_new.kind = 'person' THEN
        -- contacts being written hold KEY SHARE on this row: wait for them, then look
        PERFORM 1 FROM erp.erp_partners AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_id FOR UPDATE;
        IF EXISTS (SELECT 1 FROM erp.erp_partners AS c WHERE c.tenant_id = p_tenant_id AND c.parent_id = p_id) THEN
            RAISE EXCEPTION 'company % has contacts and cannot become a person', v_old.code
                USING ERRCODE = 'ZE005',
                HINT = 'Move its contacts (archived ones included) to another company first.';
        END IF;
    END IF;
    RETURN erp._partner_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
END
$fn$;
COMMENT ON FUNCTION erp.partner_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a partner (audited; no event when nothing changes).';
REVOKE ALL ON FUNCTION erp.partner_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.partner_update(uuid, uuid, text, text, uuid, jsonb, bigint)
TO erp_app, erp_admin;
