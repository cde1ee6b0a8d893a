-- One page of a tenant's events, oldest first, filtered; p_after is the last id of the
-- previous page (keyset pagination: stable and index-driven however deep you page).
CREATE OR REPLACE FUNCTION erp.audit_events(
    p_tenant_id uuid,
    p_from timestamptz DEFAULT NULL,
    p_to timestamptz DEFAULT NULL,
    p_entity_type text DEFAULT NULL,
    p_event_type text DEFAULT NULL,
    p_actor_user_id uuid DEFAULT NULL,
    p_trace_id text DEFAULT NULL,
    p_after uuid DEFAULT NULL,
    p_limit integer DEFAULT 100
) RETURNS SETOF erp.erp_audit_events
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_after_at timestamptz;
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
        RAISE EXCEPTION 'p_limit must be between 1 and 10000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_after IS NOT NULL THEN
        SELECT e.created_at INTO v_after_at FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND e.id = p_after;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'p_after % is not an event of this tenant', p_after
                USING ERRCODE = 'ZE001', HINT = 'Pass the id of the last event of the previous page.';
        END IF;
    END IF;
    IF p_trace_id IS NOT NULL THEN  -- selective: use the trace index
        RETURN QUERY
        SELECT e.* FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND e.trace_id = p_trace_id
            AND (p_from IS NULL OR e.created_at >= p_from)
            AND (p_to IS NULL OR e.created_at < p_to)
            AND (p_entity_type IS NULL OR e.entity_type = p_entity_type)
            AND (p_event_type IS NULL OR e.event_type = p_event_type)
            AND (p_actor_user_id IS NULL OR e.actor_user_id = p_actor_user_id)
            AND (p_after IS NULL OR (e.created_at, e.id) > (v_after_at, p_after))
        ORDER BY e.created_at, e.id
        LIMIT p_limit;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT e.* FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id
        AND (e.created_at, e.id) > (
            coalesce(v_after_at, p_from, '-infinity'::timestamptz),
            coalesce(p_after, '00000000-0000-0000-0000-000000000000'::uuid)
        )
        AND e.created_at >= coalesce(p_from, '-infinity'::timestamptz)
        AND e.created_at < coalesce(p_to, 'infinity'::timestamptz)
        AND (p_entity_type IS NULL OR e.entity_type = p_entity_type)
        AND (p_event_type IS NULL OR e.event_type = p_event_type)
        AND (p_actor_user_id IS NULL OR e.actor_user_id = p_actor_user_id)
    ORDER BY e.created_at, e.id
    LIMIT p_limit;
END
$fn$;
COMMENT ON FUNCTION erp.audit_events(uuid, timestamptz, timestamptz, text, text, uuid, text, uuid, integer)
IS 'A page of audit events (oldest first) with optional filters; keyset pagination via p_after.';
REVOKE ALL ON FUNCTION erp.audit_events(uuid, timestamptz, timestamptz, text, text, uuid, text, uuid, integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_events(uuid, timestamptz, timestamptz, text, text, uuid, text, uuid, integer)
TO erp_app, erp_auditor, erp_admin;
