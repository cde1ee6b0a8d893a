-- Every event of one entity, oldest first.
CREATE OR REPLACE FUNCTION erp.audit_history(
    p_tenant_id uuid, p_entity_type text, p_entity_id uuid
) RETURNS SETOF erp.erp_audit_events
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT e.* FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id AND e.entity_id = p_entity_id
        AND e.entity_type = p_entity_type
    ORDER BY e.created_at, e.id
$fn$;
COMMENT ON FUNCTION erp.audit_history(uuid, text, uuid) IS
    'All audit events of one entity, oldest first (sequences: definition and allocations).';
REVOKE ALL ON FUNCTION erp.audit_history(uuid, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_history(uuid, text, uuid) TO erp_app, erp_auditor, erp_admin;
