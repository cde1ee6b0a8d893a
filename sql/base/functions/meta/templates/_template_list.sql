-- Template of erp.<prefix>_list: the tenant's rows ordered by a key (then id). {{arguments}}
-- and {{filters}} are one line per registered filter (erp_meta.entity_types.list_filters),
-- each starting with a line break; both are empty for a list without filters.
CREATE OR REPLACE FUNCTION erp_meta._template_list() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_tenant_id uuid{{arguments}}
)
RETURNS SETOF {{table}}
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT t.*
    FROM {{table}} AS t
    WHERE t.tenant_id = p_tenant_id{{filters}}
    ORDER BY t.{{order}}, t.id
$fn$;
COMMENT ON FUNCTION erp.{{function}}({{types}}) IS
    {{comment}};
REVOKE ALL ON FUNCTION erp.{{function}}({{types}}) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.{{function}}({{types}}) TO erp_app, erp_admin;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_list() IS
    'Generator template of erp.<prefix>_list (placeholders: function, arguments, table, filters, '
    'order, types, comment).';
