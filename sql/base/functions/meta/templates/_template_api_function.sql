-- Template of the frame every generated public write function shares (erp.<prefix>_create,
-- _update, _archive, _restore): the context arguments, SECURITY DEFINER with a pinned
-- search_path, the context check, then {{body}} (rendered from the kind's own template), and
-- the function's COMMENT, REVOKE and GRANT. {{arguments}} are the kind's arguments, one per
-- line; {{types}} all argument types, as the catalog names them.
CREATE OR REPLACE FUNCTION erp_meta._template_api_function() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    {{arguments}}
) RETURNS {{table}}
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    {{declare}}
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    {{body}}
END
$fn$;
COMMENT ON FUNCTION erp.{{function}}(
    {{types}}
) IS {{comment}};
REVOKE ALL ON FUNCTION erp.{{function}}(
    {{types}}
) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.{{function}}(
    {{types}}
) TO erp_app, erp_admin;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_api_function() IS
    'Generator template of the frame of the public write functions (placeholders: function, '
    'arguments, table, declare, body, types, comment).';
