-- One page of a tenant's events, oldest first, filtered; p_after is the last id of the
-- previous page (keyset pagination on the time-ordered id: stable and index-driven however
-- deep you page). Time bounds also bound the ids, with a day of slack, so that only the
-- partitions of those months are read. A query over committed events by time, not a feed: an
-- event of a transaction that commits late can land before a page already read
-- (erp.audit_feed does not skip it).
CREATE OR REPLACE FUNCTION erp.audit_events(
    p_tenant_id uuid,
    p_from timestamptz DEFAULT NULL,
    p_to timestamptz DEFAULT NULL,
    p_entity_type text DEFAULT NULL,
    p_event_type text DEFAULT NULL,
    p_actor_user_id uuid DEFAULT NULL,
    p_trace_id text DEFAULT NULL,
    p_after uuid DEFAULT NULL,
    p_limit bigint DEFAULT 100
) RETURNS SETOF erp.erp_audit_events
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_lo uuid := CASE WHEN p_from > '1970-01-02' AND p_from < '9999-01-01' THEN
        erp._audit_bound(((p_from - interval '1 day') AT TIME ZONE 'UTC')::date) END;
    v_hi uuid := CASE WHEN p_to > '1970-01-02' AND p_to < '9999-01-01' THEN
        erp._audit_bound(((p_to + interval '1 day') AT TIME ZONE 'UTC')::date + 31) END;
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
        RAISE EXCEPTION 'p_limit must be between 1 and 10000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_after IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM erp.erp_audit_events AS e WHERE e.tenant_id = p_tenant_id AND e.id = p_after
    ) THEN
        RAISE EXCEPTION 'p_after % is not an event of this tenant', p_after
            USING ERRCODE = 'ZE001', HINT = 'Pass the id of the last event of the previous page.';
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
            AND (p_after IS NULL OR e.id > p_after)
        ORDER BY e.id
        LIMIT p_limit;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT e.* FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id
        AND e.id > coalesce(p_after, '00000000-0000-0000-0000-000000000000'::uuid)
        AND e.id >= coalesce(v_lo, '00000000-0000-0000-0000-000000000000'::uuid)
        AND e.id <= coalesce(v_hi, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
        AND e.created_at >= coalesce(p_from, '-infinity'::timestamptz)
        AND e.created_at < coalesce(p_to, 'infinity'::timestamptz)
        AND (p_entity_type IS NULL OR e.entity_type = p_entity_type)
        AND (p_event_type IS NULL OR e.event_type = p_event_type)
        AND (p_actor_user_id IS NULL OR e.actor_user_id = p_actor_user_id)
    ORDER BY e.id
    LIMIT p_limit;
END
$fn$;
COMMENT ON FUNCTION erp.audit_events(uuid, timestamptz, timestamptz, text, text, uuid, text, uuid, bigint)
IS 'A page of audit events (oldest first) with optional filters; keyset pagination via p_after.';
REVOKE ALL ON FUNCTION erp.audit_events(uuid, timestamptz, timestamptz, text, text, uuid, text, uuid, bigint)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_events(uuid, timestamptz, timestamptz, text, text, uuid, text, uuid, bigint)
TO erp_app, erp_auditor, erp_admin;
