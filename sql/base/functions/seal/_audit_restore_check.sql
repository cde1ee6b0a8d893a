-- ZE009 when a restore into this cluster was not recorded: a stored event of the current era
-- whose xact_id is at or beyond the snapshot's xmax cannot have been written by this cluster
-- (every committed transaction lies below xmax; only our own may not), so the trail came from a cluster whose
-- transaction counter was ahead (pg_dump / pg_restore). Ordering by xact_id would be wrong
-- until erp.audit_restored() records the era. An index probe per tenant; only the partitions
-- from the current era's boundary on are read.
CREATE OR REPLACE FUNCTION erp._audit_restore_check(p_tenant_id uuid) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_after uuid := coalesce((SELECT max(r.after_id::text)::uuid FROM erp_meta.audit_eras AS r),
        '00000000-0000-0000-0000-000000000000'::uuid);
BEGIN
    IF EXISTS (
        SELECT 1 FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND e.xact_id >= pg_snapshot_xmax(pg_current_snapshot()) AND e.id > v_after
            AND e.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned()  -- our own may lie at xmax
    ) THEN
        RAISE EXCEPTION 'the audit trail was restored from another cluster and the restore was not recorded'
            USING ERRCODE = 'ZE009',
            DETAIL = 'Stored events carry transaction ids beyond this cluster''s counter, so they cannot be ordered.',
            HINT = 'Run once, as erp_admin: SELECT erp.audit_restored(NULL, ''SYSTEM'', ''restore'');';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._audit_restore_check(uuid) IS
    'ZE009 when a logical restore was not recorded with erp.audit_restored (events beyond the transaction counter).';
