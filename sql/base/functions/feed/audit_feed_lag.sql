-- How far the feed of a tenant is held back: the horizon (no transaction below it is still
-- open), the committed events above it that erp.audit_feed does not serve yet, the oldest of
-- them, and the start of the oldest transaction still open in the cluster (what holds it back).
CREATE OR REPLACE FUNCTION erp.audit_feed_lag(p_tenant_id uuid)
RETURNS TABLE (horizon xid8, held_back bigint, oldest_held_back timestamptz, oldest_open_transaction timestamptz)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    horizon := pg_snapshot_xmin(pg_current_snapshot());
    SELECT count(*), min(e.created_at) INTO held_back, oldest_held_back
    FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id AND e.xact_id >= horizon AND e.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned()
        -- events of an earlier era (restored) are served whatever their transaction id
        AND e.id > coalesce((SELECT max(r.after_id::text)::uuid FROM erp_meta.audit_eras AS r),
            '00000000-0000-0000-0000-000000000000'::uuid);
    -- a prepared transaction holds the horizon too, and has no session; pg_stat_activity shows
    -- xact_start of other logins' sessions only if the owner may read all statistics
    -- (pg_read_all_stats), else that part is NULL
    SELECT min(o.started) INTO oldest_open_transaction
    FROM (
        SELECT a.xact_start AS started
        FROM pg_stat_activity AS a WHERE a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
        UNION ALL
        SELECT p.prepared FROM pg_prepared_xacts AS p
    ) AS o;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION erp.audit_feed_lag(uuid) IS
    'Feed horizon, committed events it holds back and since when, and the oldest open transaction.';
REVOKE ALL ON FUNCTION erp.audit_feed_lag(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_feed_lag(uuid) TO erp_auditor, erp_admin;
