-- Template of erp.<prefix>_archive and erp.<prefix>_restore (the same function but for the
-- value of "active", the event and the check): the row locked at the expected version,
-- returned unchanged (no event) when it already has that value ({{unchanged}}); otherwise {{check}} (the
-- entity's hand-written check named in erp_meta.entity_types, or a comment saying there is
-- none) may refuse, and the generated writer writes it with one audited event.
CREATE OR REPLACE FUNCTION erp_meta._template_set_active() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_id uuid, p_expected_version bigint DEFAULT NULL
) RETURNS {{table}}
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old {{table}};
    v_new {{table}};
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp.{{lock}}(p_tenant_id, p_id, p_expected_version);
    IF {{unchanged}} THEN
        RETURN v_old;
    END IF;
    v_new := v_old;
    v_new.active := {{active}};
    {{check}}
    RETURN erp.{{write}}(
        p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, {{event}}
    );
END
$fn$;
COMMENT ON FUNCTION erp.{{function}}(uuid, uuid, text, text, uuid, bigint) IS
    {{comment}};
REVOKE ALL ON FUNCTION erp.{{function}}(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.{{function}}(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_set_active() IS
    'Generator template of erp.<prefix>_archive and _restore (placeholders: function, table, '
    'lock, unchanged, active, check, write, event, comment).';
