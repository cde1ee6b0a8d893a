-- audit_verify's report of events it cannot place: events of the current era whose xact_id is
-- at or beyond the transaction counter (a logical restore not recorded with
-- erp.audit_restored, or an event written with a forged xact_id). The feed and the seal
-- cannot order them; one row (restore_not_recorded) with their number and the first of them.
CREATE OR REPLACE FUNCTION erp._audit_unplaced(p_tenant_id uuid)
RETURNS TABLE (entity_type text, entity_id uuid, problem text, detail jsonb)
LANGUAGE sql STABLE
AS $fn$
    SELECT 'erp.base.audit', p_tenant_id, 'restore_not_recorded',
        pg_catalog.jsonb_build_object('events', pg_catalog.count(*), 'first_event', pg_catalog.min(e.id::text),
            'hint', 'SELECT erp.audit_restored(NULL, ''SYSTEM'', ''restore''); as erp_admin, once, after pg_restore')
    FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id AND e.xact_id >= pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())
        AND e.xact_id IS DISTINCT FROM pg_catalog.pg_current_xact_id_if_assigned()
        AND e.id > coalesce((SELECT max(r.after_id::text)::uuid FROM erp_meta.audit_eras AS r),
            '00000000-0000-0000-0000-000000000000'::uuid)
    HAVING pg_catalog.count(*) > 0
$fn$;
COMMENT ON FUNCTION erp._audit_unplaced(uuid) IS
    'audit_verify: events beyond the transaction counter (restore not recorded, forged xact_id), one row.';
