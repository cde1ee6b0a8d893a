-- Partners of a tenant ordered by code (then id); every filter is optional (NULL: any).
CREATE OR REPLACE FUNCTION erp.partner_list(
    p_tenant_id uuid,
    p_include_archived boolean DEFAULT false,
    p_kind text DEFAULT NULL,
    p_parent_id uuid DEFAULT NULL,
    p_is_customer boolean DEFAULT NULL,
    p_is_supplier boolean DEFAULT NULL
) RETURNS SETOF erp.erp_partners
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT p.* FROM erp.erp_partners AS p
    WHERE p.tenant_id = p_tenant_id
        AND (p.active OR coalesce(p_include_archived, false))
        AND (p_kind IS NULL OR p.kind = p_kind)
        AND (p_parent_id IS NULL OR p.parent_id = p_parent_id)
        AND (p_is_customer IS NULL OR p.is_customer = p_is_customer)
        AND (p_is_supplier IS NULL OR p.is_supplier = p_is_supplier)
    ORDER BY p.code_key, p.id
$fn$;
COMMENT ON FUNCTION erp.partner_list(uuid, boolean, text, uuid, boolean, boolean) IS
    'The tenant''s partners ordered by code; archived ones only on request; optional kind, '
    'parent, customer and supplier filters.';
REVOKE ALL ON FUNCTION erp.partner_list(uuid, boolean, text, uuid, boolean, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.partner_list(uuid, boolean, text, uuid, boolean, boolean) TO erp_app, erp_admin;
