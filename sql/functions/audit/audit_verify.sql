-- Integrity report of one tenant: one row per problem, no rows when the trail is sound.
--   no_events          a row without any audit event
--   snapshot_mismatch  a row that differs from its last event's snapshot
--   version_gap        versions of an entity are not exactly 1..n, or n <> the row's version
--   orphan_events      events of an entity whose row does not exist
--   bad_first_event    version 1 is not a created event
--   changes_mismatch   previous snapshot + changes.new <> this snapshot (replay breaks), or a
--                      changes.old that is not the previous snapshot's value
--   sequence_gap       committed numbers of a sequence period are not start, start+step, ...
CREATE OR REPLACE FUNCTION erp.audit_verify(p_tenant_id uuid)
RETURNS TABLE (entity_type text, entity_id uuid, problem text, detail jsonb)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_entity erp_meta.entity_types;
BEGIN
    FOR v_entity IN SELECT e.* FROM erp_meta.entity_types AS e ORDER BY e.entity_type LOOP
        RETURN QUERY EXECUTE format($q$
            WITH ev AS (
                SELECT e.entity_id, e.entity_version, e.event_type, e.payload, e.changes
                FROM erp.erp_audit_events AS e
                WHERE e.tenant_id = $1 AND e.entity_type = $2 AND e.entity_version IS NOT NULL
            ),
            agg AS (
                SELECT ev.entity_id, max(ev.entity_version) AS max_v, count(*) AS n
                FROM ev GROUP BY ev.entity_id
            ),
            last_ev AS (
                SELECT DISTINCT ON (ev.entity_id) ev.entity_id, ev.payload
                FROM ev ORDER BY ev.entity_id, ev.entity_version DESC
            ),
            cur AS (SELECT r.id, r.version, to_jsonb(r) AS snap FROM erp.%1$I AS r WHERE r.tenant_id = $1)
            SELECT $2, cur.id, 'no_events', cur.snap
            FROM cur LEFT JOIN agg ON agg.entity_id = cur.id WHERE agg.entity_id IS NULL
            UNION ALL
            SELECT $2, cur.id, 'snapshot_mismatch',
                jsonb_build_object('row', cur.snap, 'last_event', l.payload)
            FROM cur JOIN last_ev AS l ON l.entity_id = cur.id
            WHERE cur.snap IS DISTINCT FROM l.payload
            UNION ALL
            SELECT $2, agg.entity_id,
                CASE WHEN cur.id IS NULL THEN 'orphan_events' ELSE 'version_gap' END,
                jsonb_build_object('events', agg.n, 'max_version', agg.max_v, 'row_version', cur.version)
            FROM agg LEFT JOIN cur ON cur.id = agg.entity_id
            WHERE agg.n <> agg.max_v OR cur.version IS DISTINCT FROM agg.max_v
            UNION ALL
            SELECT $2, ev.entity_id, 'bad_first_event', jsonb_build_object('event_type', ev.event_type)
            FROM ev WHERE ev.entity_version = 1 AND ev.event_type <> $2 || '.created'
            UNION ALL
            SELECT $2, ev.entity_id, 'changes_mismatch', jsonb_build_object('version', ev.entity_version)
            FROM ev JOIN ev AS prev
                ON prev.entity_id = ev.entity_id AND prev.entity_version = ev.entity_version - 1
            WHERE (prev.payload || coalesce(
                    (SELECT jsonb_object_agg(c.key, c.value -> 'new') FROM jsonb_each(ev.changes) AS c),
                    '{}'::jsonb)) - 'version' - 'updated_at'
                IS DISTINCT FROM ev.payload - 'version' - 'updated_at'
                OR EXISTS (
                    SELECT 1 FROM jsonb_each(ev.changes) AS c
                    WHERE c.value -> 'old' IS DISTINCT FROM prev.payload -> c.key
                )
            $q$, v_entity.table_name)
        USING p_tenant_id, v_entity.entity_type;
    END LOOP;
    RETURN QUERY SELECT * FROM erp._sequence_verify(p_tenant_id);
END
$fn$;
COMMENT ON FUNCTION erp.audit_verify(uuid) IS
    'Integrity report of a tenant''s audit trail and numbering; no rows when everything is sound.';
REVOKE ALL ON FUNCTION erp.audit_verify(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_verify(uuid) TO erp_app, erp_auditor, erp_admin;
