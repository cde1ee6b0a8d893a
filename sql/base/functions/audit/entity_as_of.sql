-- Time travel: the entity's snapshot in force at p_at (NULL before it was created), read
-- backwards along the entity's versions.
CREATE OR REPLACE FUNCTION erp.entity_as_of(
    p_tenant_id uuid, p_entity_type text, p_entity_id uuid, p_at timestamptz
) RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN (
        SELECT e.payload FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND e.entity_id = p_entity_id
            AND e.entity_type = p_entity_type AND e.entity_version IS NOT NULL
            AND e.created_at <= p_at
        ORDER BY e.entity_version DESC
        LIMIT 1
    );
END
$fn$;
COMMENT ON FUNCTION erp.entity_as_of(uuid, text, uuid, timestamptz) IS
    'The snapshot of an entity as recorded at p_at; NULL before its creation.';
REVOKE ALL ON FUNCTION erp.entity_as_of(uuid, text, uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.entity_as_of(uuid, text, uuid, timestamptz)
TO erp_app, erp_auditor, erp_admin;
