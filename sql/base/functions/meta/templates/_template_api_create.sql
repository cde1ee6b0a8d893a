-- Template of the body of erp.<prefix>_create (in the frame erp_meta._template_api_function):
-- {{assignments}} set the row's columns from the arguments, one per line (trimmed text, fixed
-- values); the entity's hand-written write check ({{check}}, or a comment saying there is
-- none) may refuse; the generated writer inserts the row with one audited event.
CREATE OR REPLACE FUNCTION erp_meta._template_api_create() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
{{assignments}}
{{check}}
RETURN erp.{{create}}(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_api_create() IS
    'Generator template of the body of erp.<prefix>_create (placeholders: assignments, check, create).';
