CREATE OR REPLACE FUNCTION erp.uom_category_list(p_tenant_id uuid) RETURNS SETOF erp.erp_uom_categories
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT c.* FROM erp.erp_uom_categories AS c WHERE c.tenant_id = p_tenant_id
    ORDER BY c.code_key, c.id
$fn$;
COMMENT ON FUNCTION erp.uom_category_list(uuid) IS
    'The tenant''s unit-of-measure categories, ordered by code.';
REVOKE ALL ON FUNCTION erp.uom_category_list(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_category_list(uuid) TO erp_app, erp_admin;
