-- Why the partition holding [p_lo, p_hi) may not be purged, or NULL when it may. Every month
-- with events in it must be: over (not the current month), older than the retention period
-- (erp_meta.audit_settings), exported with the digest it has now (erp.audit_archive_record),
-- and sealed for every tenant (erp.audit_seal); none of its events may lie beyond the
-- transaction counter (a restore from another cluster not recorded: erp.audit_restored).
-- The digest is recomputed (it reads the month).
CREATE OR REPLACE FUNCTION erp._audit_purge_blocker(p_lo uuid, p_hi uuid) RETURNS text
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_retention integer := (SELECT s.retention_months FROM erp_meta.audit_settings AS s);
    v_oldest_kept date := (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => v_retention))::date;
    v_month date;
    v_archive erp_meta.audit_archives;
    v_digest record;
    v_tenant uuid;
    v_eras integer := (SELECT count(*)::integer FROM erp_meta.audit_eras AS r);  -- none: every era is 0
BEGIN
    IF p_hi IS NULL THEN
        RETURN 'the default partition is kept empty by erp.audit_maintain; it is never purged';
    END IF;
    IF p_hi > erp._audit_bound(v_oldest_kept) THEN
        RETURN format('it holds months after %s, inside the retention period of %s months',
            to_char(v_oldest_kept - 1, 'YYYY-MM'), v_retention);
    END IF;
    -- events beyond the transaction counter cannot be placed (a restore from another cluster
    -- not recorded): whether they are sealed cannot be told
    IF EXISTS (SELECT 1 FROM erp.erp_audit_events AS e
        WHERE e.id >= coalesce(p_lo, '00000000-0000-0000-0000-000000000000'::uuid) AND e.id < p_hi
            AND e.xact_id >= pg_snapshot_xmax(pg_current_snapshot())
            AND e.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned()
            AND e.id > coalesce((SELECT max(r.after_id::text)::uuid FROM erp_meta.audit_eras AS r),
                '00000000-0000-0000-0000-000000000000'::uuid)) THEN
        RETURN 'it holds events beyond this cluster''s transaction counter: a restore from another cluster '
            'was not recorded (SELECT erp.audit_restored(NULL, ''SYSTEM'', ''restore''))';
    END IF;
    FOR v_month IN
        SELECT DISTINCT erp._audit_month(e.id) FROM erp.erp_audit_events AS e
        WHERE e.id >= coalesce(p_lo, '00000000-0000-0000-0000-000000000000'::uuid) AND e.id < p_hi
        ORDER BY 1
    LOOP
        SELECT a.* INTO v_archive FROM erp_meta.audit_archives AS a
        WHERE a.month = v_month ORDER BY a.archived_at DESC LIMIT 1;
        IF NOT FOUND THEN
            RETURN format('%s was not archived (python -m harness audit archive)', to_char(v_month, 'YYYY-MM'));
        END IF;
        SELECT * INTO v_digest FROM erp.audit_month_digest(v_month);
        IF (v_digest.events, v_digest.sha256) IS DISTINCT FROM (v_archive.events, v_archive.sha256) THEN
            RETURN format('%s changed since it was archived (%s events then, %s now): archive it again',
                to_char(v_month, 'YYYY-MM'), v_archive.events, v_digest.events);
        END IF;
    END LOOP;
    SELECT e.tenant_id INTO v_tenant FROM erp.erp_audit_events AS e
    LEFT JOIN erp.erp_audit_seal_heads AS h ON h.tenant_id = e.tenant_id
    WHERE e.id >= coalesce(p_lo, '00000000-0000-0000-0000-000000000000'::uuid) AND e.id < p_hi
        AND (h.tenant_id IS NULL
            OR (CASE WHEN v_eras = 0 THEN 0 ELSE erp._audit_era(e.id) END, e.xact_id, e.id)
            > (h.through_era, h.through_xact, h.through_id))
    LIMIT 1;
    IF v_tenant IS NOT NULL THEN
        RETURN format('events of tenant %s in it are not sealed yet (erp.audit_seal)', v_tenant);
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION erp._audit_purge_blocker(uuid, uuid) IS
    'Why an audit partition may not be purged (retention, archive, digest, seal), or NULL.';
