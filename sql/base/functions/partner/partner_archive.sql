-- Archives a partner; refused (ZE005) while active partners belong to it. Archiving an archived
-- partner returns it unchanged (no event).
CREATE OR REPLACE FUNCTION erp.partner_archive(
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
    v_count bigint;
    v_codes text[];
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._partner_lock(p_tenant_id, p_id, p_expected_version);
    IF NOT v_old.active THEN
        RETURN v_old;
    END IF;
    -- contacts being written hold KEY SHARE on their parent (foreign key and
    -- erp._partner_parent_check): FOR UPDATE waits for them, so the count below sees them
    PERFORM 1 FROM erp.erp_partners AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_id FOR UPDATE;
    SELECT count(*), (array_agg(c.code ORDER BY c.code_key))[1:5] INTO v_count, v_codes
    FROM erp.erp_partners AS c
    WHERE c.tenant_id = p_tenant_id AND c.parent_id = p_id AND c.active;
    IF v_count > 0 THEN
        RAISE EXCEPTION 'company % still has % active contact(s): %', v_old.code, v_count,
            array_to_string(v_codes, ', ') || CASE WHEN v_count > 5 THEN ', ...' ELSE '' END
            USING ERRCODE = 'ZE005',
            HINT = 'Archive those contacts or move them to another company first.';
    END IF;
    v_new := v_old;
    v_new.active := false;
    RETURN erp._partner_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'archived');
END
$fn$;
COMMENT ON FUNCTION erp.partner_archive(uuid, uuid, text, text, uuid, bigint) IS
    'Archives a partner (audited); ZE005 while active contacts belong to it.';
REVOKE ALL ON FUNCTION erp.partner_archive(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.partner_archive(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
