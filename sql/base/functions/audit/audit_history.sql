-- Every event of one entity, oldest first (ids are time-ordered to the microsecond).
CREATE OR REPLACE FUNCTION erp.audit_history(
    p_tenant_id uuid, p_entity_type text, p_entity_id uuid
) RETURNS SETOF erp.erp_audit_events
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN QUERY
    SELECT e.* FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id AND e.entity_id = p_entity_id AND e.entity_type = p_entity_type
    ORDER BY e.id;
END
$fn$;
COMMENT ON FUNCTION erp.audit_history(uuid, text, uuid) IS
    'All audit events of one entity, oldest first (sequences: definition and allocations).';
REVOKE ALL ON FUNCTION erp.audit_history(uuid, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_history(uuid, text, uuid) TO erp_app, erp_auditor, erp_admin;
