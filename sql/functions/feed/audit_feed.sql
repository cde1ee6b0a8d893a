-- The commit-safe feed of a tenant's events. A consumer that keeps the last position it saw
-- and resumes from it receives every committed event exactly once: events are served in
-- (xact_id, id) order and only below the horizon pg_snapshot_xmin(pg_current_snapshot()),
-- under which every transaction has ended. So an event of a transaction that began early and
-- commits late is served when it commits (its xact_id holds the horizon back meanwhile), and
-- an event of a rolled-back transaction never. The price: one long-running transaction, in
-- any database of the cluster, holds the feed back (erp.audit_feed_lag shows it).
-- position is opaque text ("<xact_id>:<id>"); p_after NULL starts at the beginning.
CREATE OR REPLACE FUNCTION erp.audit_feed(p_tenant_id uuid, p_after text DEFAULT NULL, p_limit bigint DEFAULT 1000)
RETURNS TABLE (
    "position" text, id uuid, entity_type text, entity_id uuid, event_type text, entity_version bigint, -- noqa: RF06
    actor_user_id uuid, actor_type text, trace_id text, payload jsonb, changes jsonb, created_at timestamptz,
    db_user text, xact_id xid8
)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_xact xid8 := '0'::xid8;
    v_id uuid := '00000000-0000-0000-0000-000000000000'::uuid;
    v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
        RAISE EXCEPTION 'p_limit must be between 1 and 10000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_after IS NOT NULL THEN
        IF p_after !~ '^[0-9]{1,20}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            RAISE EXCEPTION 'p_after % is not a feed position', erp._clip(p_after, 60)
                USING ERRCODE = 'ZE003', HINT = 'Pass the position of the last event you received, or NULL.';
        END IF;
        v_xact := split_part(p_after, ':', 1)::xid8;
        v_id := split_part(p_after, ':', 2)::uuid;
        -- every position the feed hands out lies below the horizon, so below xmax; one beyond
        -- it (a number too large for xid8 saturates to the maximum) came from elsewhere, e.g.
        -- another cluster or one restored to an earlier point, and would skip events
        IF v_xact >= pg_snapshot_xmax(pg_current_snapshot()) THEN
            RAISE EXCEPTION 'p_after % lies beyond every transaction of this cluster', erp._clip(p_after, 60)
                USING ERRCODE = 'ZE003',
                HINT = 'A position is valid only on the cluster that served it; start from NULL elsewhere.';
        END IF;
    END IF;
    RETURN QUERY
    SELECT e.xact_id::text || ':' || e.id::text, e.id, e.entity_type, e.entity_id, e.event_type, e.entity_version,
        e.actor_user_id, e.actor_type, e.trace_id, e.payload, e.changes, e.created_at, e.db_user, e.xact_id
    FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id AND (e.xact_id, e.id) > (v_xact, v_id) AND e.xact_id < v_horizon
    ORDER BY e.xact_id, e.id
    LIMIT p_limit;
END
$fn$;
COMMENT ON FUNCTION erp.audit_feed(uuid, text, bigint) IS
    'Commit-safe feed of a tenant''s events after a position: every committed event exactly once, late commits included.';
REVOKE ALL ON FUNCTION erp.audit_feed(uuid, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_feed(uuid, text, bigint) TO erp_auditor, erp_admin;
