-- Template of the body of erp.<prefix>_archive and erp.<prefix>_restore (in the frame
-- erp_meta._template_api_function; the same function but for the value of "active", the event
-- and the check): the row locked at the expected version, returned unchanged (no event) when
-- it already has that value ({{unchanged}}); otherwise {{check}} (the entity's hand-written
-- check named in erp_meta.entity_types, or a comment saying there is none) may refuse, and the
-- generated writer writes it with one audited event.
CREATE OR REPLACE FUNCTION erp_meta._template_set_active() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
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
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_set_active() IS
    'Generator template of the body of erp.<prefix>_archive and _restore (placeholders: lock, '
    'unchanged, active, check, write, event).';
