-- The commit-safe feed of a tenant's events. A consumer that keeps the last position it saw
-- and resumes from it receives every committed event exactly once: events are served in
-- (era, xact_id, id) order and, in the current era, only below the horizon
-- pg_snapshot_xmin(pg_current_snapshot()), under which every transaction has ended. So an
-- event of a transaction that began early and commits late is served when it commits (its
-- xact_id holds the horizon back meanwhile), and an event of a rolled-back transaction never.
-- The price: one long-running transaction, in any database of the cluster, holds the feed back
-- (erp.audit_feed_lag shows it). Eras (erp_meta.audit_eras) are the restores recorded by
-- erp.audit_restored: the events of an earlier era were all committed before the restore and
-- are served before any later one.
-- position is opaque text: "<xact_id>:<id>" in era 0 (before any restore), "<era>:<xact_id>:<id>"
-- after; p_after NULL starts at the beginning. A position must name an event this database
-- holds (or one of a purged month): one from a database restored to an earlier point, or from
-- another database, is refused (ZE009), never silently skipped, whether or not its
-- transaction id lies beyond this cluster's counter. Text that is no position (also a
-- transaction id beyond 2^64 - 1, or an era never recorded) is ZE003. A restore that was not
-- recorded is ZE009 (erp._audit_restore_check).
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
    v_era integer := 0;
    v_xact xid8 := '0'::xid8;
    v_id uuid := '00000000-0000-0000-0000-000000000000'::uuid;
    v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
    v_current integer := (SELECT count(*)::integer FROM erp_meta.audit_eras AS r);
    v_parts text[];
    v_number numeric;
    v_lo uuid;
    v_hi uuid;
    v_from_xact xid8;
    v_from_id uuid;
    v_below xid8;
    v_left bigint := p_limit;
    v_count bigint;
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
        RAISE EXCEPTION 'p_limit must be between 1 and 10000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    PERFORM erp._audit_restore_check(p_tenant_id);
    IF p_after IS NOT NULL THEN
        IF p_after !~ '^([0-9]{1,10}:)?[0-9]{1,20}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            RAISE EXCEPTION 'p_after % is not a feed position', erp._clip(p_after, 60)
                USING ERRCODE = 'ZE003', HINT = 'Pass the position of the last event you received, or NULL.';
        END IF;
        v_parts := string_to_array(p_after, ':');
        IF cardinality(v_parts) = 3 THEN
            v_number := v_parts[1]::numeric;
            IF v_number > v_current THEN
                RAISE EXCEPTION 'p_after % names era %, but this database recorded % restores', erp._clip(p_after, 60),
                    v_number, v_current
                    USING ERRCODE = 'ZE003',
                    HINT = 'A position is valid only on the database that served it; start from NULL elsewhere.';
            END IF;
            v_era := v_number::integer;
            v_parts := v_parts[2:3];
        END IF;
        -- compared as a number first: xid8 input rejects (or, before PostgreSQL 16, caps) values
        -- beyond 2^64 - 1
        IF v_parts[1]::numeric >= 18446744073709551616 THEN
            RAISE EXCEPTION 'p_after % lies beyond every transaction id', erp._clip(p_after, 60)
                USING ERRCODE = 'ZE003', HINT = 'Pass the position of the last event you received, or NULL.';
        END IF;
        v_xact := v_parts[1]::xid8;
        v_id := v_parts[2]::uuid;
        IF NOT EXISTS (SELECT 1 FROM erp.erp_audit_events AS e
                WHERE e.tenant_id = p_tenant_id AND e.id = v_id AND e.xact_id = v_xact)
            AND NOT EXISTS (SELECT 1 FROM erp_meta.audit_purges AS p WHERE p.month = erp._audit_month(v_id)) THEN
            RAISE EXCEPTION 'p_after % names an event this database does not hold', erp._clip(p_after, 60)
                USING ERRCODE = 'ZE009',
                DETAIL = 'The database was restored to an earlier point, or the position comes from another database.',
                HINT = 'Resume from a position this database served (erp.audit_feed), or from NULL and skip what you hold.';
        END IF;
        IF erp._audit_era(v_id) <> v_era THEN
            RAISE EXCEPTION 'p_after % names era %, but its event belongs to era %', erp._clip(p_after, 60), v_era,
                erp._audit_era(v_id)
                USING ERRCODE = 'ZE003', HINT = 'Pass the position exactly as erp.audit_feed returned it.';
        END IF;
    END IF;
    FOR v_no IN v_era .. v_current LOOP
        v_lo := coalesce((SELECT r.after_id FROM erp_meta.audit_eras AS r WHERE r.era = v_no),
            '00000000-0000-0000-0000-000000000000'::uuid);
        v_hi := coalesce((SELECT r.after_id FROM erp_meta.audit_eras AS r WHERE r.era = v_no + 1),
            'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid);
        IF v_no = v_era THEN
            v_from_xact := v_xact;
            v_from_id := v_id;
        ELSE
            v_from_xact := '0'::xid8;
            v_from_id := '00000000-0000-0000-0000-000000000000'::uuid;
        END IF;
        -- an earlier era was restored whole: every event of it is final
        v_below := CASE WHEN v_no = v_current THEN v_horizon ELSE '18446744073709551615'::xid8 END;
        RETURN QUERY
        SELECT CASE WHEN v_no = 0 THEN '' ELSE v_no::text || ':' END || e.xact_id::text || ':' || e.id::text,
            e.id, e.entity_type, e.entity_id, e.event_type, e.entity_version,
            e.actor_user_id, e.actor_type, e.trace_id, e.payload, e.changes, e.created_at, e.db_user, e.xact_id
        FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND (e.xact_id, e.id) > (v_from_xact, v_from_id) AND e.xact_id < v_below
            AND e.id > v_lo AND e.id <= v_hi
        ORDER BY e.xact_id, e.id
        LIMIT v_left;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_left := v_left - v_count;
        EXIT WHEN v_left <= 0;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp.audit_feed(uuid, text, bigint) IS
    'Commit-safe feed of a tenant''s events after a position: every committed event exactly once, late commits included.';
REVOKE ALL ON FUNCTION erp.audit_feed(uuid, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_feed(uuid, text, bigint) TO erp_auditor, erp_admin;
