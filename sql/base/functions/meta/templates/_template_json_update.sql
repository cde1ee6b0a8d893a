-- Template of the dispatcher erp._json_update: one branch per registered entity type
-- ({{branches}}, erp_meta._template_json_update_branch); an unknown type is ZE003 ({{unknown}},
-- erp_meta._template_unknown_entity).
CREATE OR REPLACE FUNCTION erp_meta._template_json_update() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_entity_type text,
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_id uuid, p_patch jsonb, p_expected_version bigint, p_event text
) RETURNS jsonb
LANGUAGE plpgsql
AS $body$
BEGIN
    CASE p_entity_type
        {{branches}}
        {{unknown}}
    END CASE;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(text, uuid, uuid, text, text, uuid, jsonb, bigint, text) IS
    'Generated dispatcher of the generic updates: lock, patch or flip active, check, write with its event.';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_json_update() IS
    'Generator template (placeholders: function, branches, unknown).';
