-- Template of the body of erp.<prefix>_update (in the frame erp_meta._template_api_function):
-- {{tree_lock}} first when the entity names one (re-parenting serialised before any row
-- lock; else nothing), then the row locked at the expected version, the patch applied, its
-- text columns trimmed ({{trims}}, one per line), the entity's write check ({{check}}), and
-- the generated writer, which writes no event when nothing changed.
CREATE OR REPLACE FUNCTION erp_meta._template_api_update() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
{{tree_lock}}
v_old := erp.{{lock}}(p_tenant_id, p_id, p_expected_version);
v_new := erp.{{patch}}(v_old, p_patch);
{{trims}}
{{check}}
RETURN erp.{{write}}(
    p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated'
);
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_api_update() IS
    'Generator template of the body of erp.<prefix>_update (placeholders: tree_lock, lock, patch, '
    'trims, check, write).';
