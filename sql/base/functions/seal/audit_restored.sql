-- The one step after a logical restore (pg_dump / pg_restore) into another cluster: records a
-- new era (erp_meta.audit_eras). Transaction ids of the source cluster are not comparable with
-- this cluster's; from now on the events stored before the restore (up to after_id: the
-- newest event whose xact_id lies beyond this cluster's counter) order before every event
-- written here, and the feed, the seal and seal verification work on. Each tenant gets an
-- erp.base.audit.restored event (sealed like any other event). Refused (ZE009) when no stored
-- event lies beyond this cluster's counter: then nothing needs recording (a point-in-time
-- restore and pg_upgrade keep the counter). Safe to run at once after writers resumed.
CREATE OR REPLACE FUNCTION erp.audit_restored(p_actor_user_id uuid, p_actor_type text, p_trace_id text)
RETURNS erp_meta.audit_eras
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_prev erp_meta.audit_eras;
    v_xmax xid8;
    v_last uuid;
    v_floor xid8;
    v_row erp_meta.audit_eras;
BEGIN
    PERFORM erp._actor_check(p_actor_user_id, p_actor_type, p_trace_id);
    LOCK TABLE erp_meta.audit_eras IN SHARE ROW EXCLUSIVE MODE;  -- one recording at a time
    SELECT r.* INTO v_prev FROM erp_meta.audit_eras AS r ORDER BY r.era DESC LIMIT 1;
    v_xmax := pg_snapshot_xmax(pg_current_snapshot());
    SELECT e.id INTO v_last FROM erp.erp_audit_events AS e
    WHERE e.xact_id >= v_xmax AND e.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned() AND e.id > coalesce(v_prev.after_id, '00000000-0000-0000-0000-000000000000'::uuid)
    ORDER BY e.id DESC LIMIT 1;
    IF v_last IS NULL THEN
        RAISE EXCEPTION 'no restore to record: every stored audit event lies below this cluster''s transaction counter'
            USING ERRCODE = 'ZE009',
            HINT = 'erp.audit_restored() is needed only after pg_restore into another cluster; '
                'a point-in-time restore and pg_upgrade keep the counter.';
    END IF;
    SELECT max(e.xact_id) INTO v_floor FROM erp.erp_audit_events AS e
    WHERE e.id > coalesce(v_prev.after_id, '00000000-0000-0000-0000-000000000000'::uuid) AND e.id <= v_last;
    INSERT INTO erp_meta.audit_eras (era, after_id, xact_floor, xact_at_record, recorded_at,
        actor_user_id, actor_type, trace_id)
    VALUES (coalesce(v_prev.era, 0) + 1, v_last, v_floor, pg_current_xact_id(), clock_timestamp(),
        p_actor_user_id, p_actor_type, p_trace_id)
    RETURNING * INTO v_row;
    PERFORM erp._audit_append(t.id, p_actor_user_id, p_actor_type, p_trace_id, 'erp.base.audit', t.id,
        'erp.base.audit.restored', NULL,
        jsonb_build_object('era', v_row.era, 'after_id', v_row.after_id, 'xact_floor', v_row.xact_floor::text,
            'xact_at_record', v_row.xact_at_record::text),
        NULL)
    FROM erp.erp_tenants AS t;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.audit_restored(uuid, text, text) IS
    'Records a logical restore from another cluster as a new era of the trail (run once after pg_restore).';
REVOKE ALL ON FUNCTION erp.audit_restored(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_restored(uuid, text, text) TO erp_admin;
