-- Units of a tenant ordered by code (then id); p_category filters by category code (an unknown
-- code gives an empty list).
CREATE OR REPLACE FUNCTION erp.uom_list(
    p_tenant_id uuid,
    p_include_archived boolean DEFAULT false,
    p_category text DEFAULT NULL
) RETURNS SETOF erp.erp_uoms
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT u.* FROM erp.erp_uoms AS u
    WHERE u.tenant_id = p_tenant_id
        AND (u.active OR coalesce(p_include_archived, false))
        AND (p_category IS NULL OR u.category_id = (
            SELECT c.id FROM erp.erp_uom_categories AS c
            WHERE c.tenant_id = p_tenant_id AND c.code_key = erp._code_key(p_category)
        ))
    ORDER BY u.code_key, u.id
$fn$;
COMMENT ON FUNCTION erp.uom_list(uuid, boolean, text) IS
    'The tenant''s units of measure ordered by code; archived ones only on request; optional category code.';
REVOKE ALL ON FUNCTION erp.uom_list(uuid, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_list(uuid, boolean, text) TO erp_app, erp_admin;
