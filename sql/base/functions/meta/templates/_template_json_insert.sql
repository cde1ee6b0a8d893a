-- Template of the dispatcher erp._json_insert: one branch per registered entity type
-- ({{branches}}, erp_meta._template_json_insert_branch); an unknown type is ZE003 ({{unknown}},
-- erp_meta._template_unknown_entity).
CREATE OR REPLACE FUNCTION erp_meta._template_json_insert() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_entity_type text,
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_rows jsonb
) RETURNS SETOF jsonb
LANGUAGE plpgsql
AS $body$
BEGIN
    CASE p_entity_type
        {{branches}}
        {{unknown}}
    END CASE;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(text, uuid, uuid, text, text, jsonb) IS
    'Generated dispatcher of the generic inserts: convert, check, insert with events, per entity type.';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_json_insert() IS
    'Generator template (placeholders: function, branches, unknown).';
