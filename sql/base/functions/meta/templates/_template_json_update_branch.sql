-- Fragment of erp._json_update, one per entity type: the row locked at the expected version,
-- patched (or archived / restored), checked, and written with its event.
CREATE OR REPLACE FUNCTION erp_meta._template_json_update_branch() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
WHEN {{entity}} THEN
    DECLARE
        v_old {{table}} := erp.{{lock}}(p_tenant_id, p_id, p_expected_version);
        v_new {{table}};
    BEGIN
        IF p_event IN ('archived', 'restored') THEN
            v_new := v_old;
            v_new.active := p_event = 'restored';
        ELSE
            v_new := erp.{{patch}}(v_old, p_patch);
        END IF;
        PERFORM erp.{{check}}(p_tenant_id, ARRAY[v_new], false);
        RETURN pg_catalog.to_jsonb(erp.{{write}}(
            p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, p_event
        ));
    END;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_json_update_branch() IS
    'Generator template (placeholders: entity, table, lock, patch, check, write).';
