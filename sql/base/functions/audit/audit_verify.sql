-- Integrity report of one tenant: one row per problem, no rows when the trail is sound.
--   no_events          a row without any audit event
--   snapshot_mismatch  a row that differs from its last event's snapshot; detail.fields names
--                      each differing field with the row's value, the event's value and
--                      whether the event has the field at all (in_event)
--   version_gap        versions of an entity are not exactly lo..n without repeats (lo = 1
--                      unless older events were purged), or n <> the row's version
--   orphan_events      events of an entity whose row does not exist (also of the tenant:
--                      events remain but the tenant row is gone)
--   bad_first_event    version 1 is not a created event
--   changes_mismatch   previous snapshot + changes.new <> this snapshot (replay breaks), or a
--                      changes.old that is not the previous snapshot's value
--   sequence_gap       committed numbers of a sequence period are not start, start+step, ...
--   restore_not_recorded  events beyond the transaction counter: a logical restore that
--                      erp.audit_restored() did not record, or a forged xact_id (one row)
--   repeated_number    a formatted number a sequence issued more than once (erp._sequence_verify)
-- Values are compared typed, not as text, so the writer's or the reader's TimeZone, DateStyle or
-- number format changes nothing. Only stored columns are compared (generated ones are derived),
-- and only those both sides know: a column added by a later migration must hold its default or
-- NULL where no later event recorded it. After a purge, each entity starts at its earliest
-- retained event, and rows untouched since the purged months need no event.
CREATE OR REPLACE FUNCTION erp.audit_verify(p_tenant_id uuid)
RETURNS TABLE (entity_type text, entity_id uuid, problem text, detail jsonb)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_entity erp_meta.entity_types;
    v_table regclass;
    -- the purge boundary: the latest month this tenant's own purged events name (the ledger
    -- erp_meta.audit_purges alone proves nothing: a row in it does not excuse a missing event)
    v_boundary timestamptz := (
        SELECT (max(to_date(m.month, 'YYYY-MM')) + interval '1 month') AT TIME ZONE 'UTC'
        FROM erp.erp_audit_events AS e
        CROSS JOIN LATERAL jsonb_array_elements_text(e.payload -> 'months') AS m (month)
        WHERE e.tenant_id = p_tenant_id AND e.entity_type = 'erp.base.audit' AND e.entity_id = p_tenant_id
            AND e.event_type = 'erp.base.audit.purged' AND jsonb_typeof(e.payload -> 'months') = 'array'
            AND m.month ~ '^[0-9]{4}-[0-9]{2}$'
            AND EXISTS (SELECT 1 FROM erp_meta.audit_purges AS p WHERE p.month = to_date(m.month, 'YYYY-MM'))
    );
    v_row_diff text;
    v_replay_diff text;
    v_old_diff text;
    v_snapshot text;
BEGIN
    -- a mistyped tenant id must not get a clean answer; a tenant whose row is gone but whose
    -- events remain is verified (its rows and events are what is checked)
    IF NOT EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id) THEN
        IF NOT EXISTS (SELECT 1 FROM erp.erp_audit_events AS e WHERE e.tenant_id = p_tenant_id) THEN
            RAISE EXCEPTION 'unknown tenant %', coalesce(p_tenant_id::text, 'NULL')
                USING ERRCODE = 'ZE006', HINT = 'erp.audit_tenants() lists the tenants.';
        END IF;
        entity_type := 'erp.base.tenant';
        entity_id := p_tenant_id;
        problem := 'orphan_events';
        detail := pg_catalog.jsonb_build_object('reason', 'the tenant row does not exist');
        RETURN NEXT;
    END IF;
    -- the SQL below is built from catalog names (%I, %L) and generated expressions; it reads only
    -- @plpgsql_check_options: security_warnings = false
    FOR v_entity IN SELECT e.* FROM erp_meta.entity_types AS e ORDER BY e.entity_type LOOP
        v_table := format('erp.%I', v_entity.table_name)::regclass;
        -- per stored column: the difference between the row and the last snapshot ...
        SELECT string_agg(format(
                '(%1$L, CASE WHEN CASE WHEN l.payload ? %1$L THEN (l.s).%2$I IS DISTINCT FROM cur.%2$I '
                'ELSE NOT (cur.%2$I IS NULL OR cur.%2$I IS NOT DISTINCT FROM (%3$s)) END '
                'THEN pg_catalog.jsonb_build_object(''row'', %4$s, ''event'', l.payload -> %1$L, ''in_event'', l.payload ? %1$L) END)',
                c.name, c.name, coalesce(c.default_sql, 'NULL'), erp_meta._render_sql(c.kind, format('cur.%I', c.name))),
                ', ' ORDER BY c.attnum),
            -- ... between this snapshot and the previous one with the changes applied ...
            string_agg(format(
                '(%1$L, CASE WHEN ev.payload ? %1$L AND CASE WHEN x.replayed ? %1$L '
                'THEN (x.r).%2$I IS DISTINCT FROM (x.s).%2$I '
                'ELSE NOT ((x.s).%2$I IS NULL OR (x.s).%2$I IS NOT DISTINCT FROM (%3$s)) END '
                'THEN pg_catalog.jsonb_build_object(''replayed'', x.replayed -> %1$L, ''event'', ev.payload -> %1$L) END)',
                c.name, c.name, coalesce(c.default_sql, 'NULL')), ', ' ORDER BY c.attnum)
                FILTER (WHERE c.name NOT IN ('version', 'updated_at')),
            -- ... and between changes.old and the previous snapshot
            string_agg(format(
                '(%1$L || '' (changes.old)'', CASE WHEN ev.changes ? %1$L AND prev.payload ? %1$L AND (pg_catalog.jsonb_populate_record('
                'NULL::%3$s, pg_catalog.jsonb_build_object(%1$L, ev.changes -> %1$L -> ''old''))).%2$I '
                'IS DISTINCT FROM (x.p).%2$I THEN pg_catalog.jsonb_build_object(''old'', ev.changes -> %1$L -> ''old'', '
                '''previous'', prev.payload -> %1$L) END)',
                c.name, c.name, v_table), ', ' ORDER BY c.attnum)
                FILTER (WHERE c.name NOT IN ('version', 'updated_at'))
        INTO v_row_diff, v_replay_diff, v_old_diff
        FROM erp_meta._columns(v_table) AS c
        WHERE NOT c.generated;
        v_snapshot := erp_meta._snapshot_sql(v_table, 'cur');

        RETURN QUERY EXECUTE format($q$
            WITH ev AS (
                SELECT e.id, e.entity_id, e.entity_version, e.event_type, e.payload, e.changes
                FROM erp.erp_audit_events AS e
                WHERE e.tenant_id = $1 AND e.entity_type = $2 AND e.entity_version IS NOT NULL
            ),
            agg AS (
                SELECT ev.entity_id, min(ev.entity_version) AS lo, max(ev.entity_version) AS hi,
                    count(*) AS n, count(DISTINCT ev.entity_version) AS nd
                FROM ev GROUP BY ev.entity_id
            ),
            last_ev AS (
                SELECT DISTINCT ON (ev.entity_id) ev.entity_id, ev.payload,
                    pg_catalog.jsonb_populate_record(NULL::%1$s, ev.payload) AS s
                FROM ev ORDER BY ev.entity_id, ev.entity_version DESC, ev.id DESC
            ),
            cur AS (SELECT r.* FROM %1$s AS r WHERE r.tenant_id = $1)
            SELECT $2, cur.id, 'no_events', pg_catalog.jsonb_build_object('row', %2$s)
            FROM cur LEFT JOIN agg ON agg.entity_id = cur.id
            WHERE agg.entity_id IS NULL AND NOT coalesce(cur.created_at < $3, false)
            UNION ALL
            SELECT $2, d.id, 'snapshot_mismatch', pg_catalog.jsonb_build_object('fields', d.fields)
            FROM (
                SELECT cur.id, (SELECT pg_catalog.jsonb_object_agg(f.k, f.v)
                    FROM (VALUES %3$s) AS f (k, v) WHERE f.v IS NOT NULL) AS fields
                FROM cur JOIN last_ev AS l ON l.entity_id = cur.id
            ) AS d
            WHERE d.fields IS NOT NULL
            UNION ALL
            SELECT $2, agg.entity_id,
                CASE WHEN cur.id IS NULL THEN 'orphan_events' ELSE 'version_gap' END,
                pg_catalog.jsonb_build_object('events', agg.n, 'distinct_versions', agg.nd, 'first_version', agg.lo,
                    'max_version', agg.hi, 'row_version', cur.version)
            FROM agg LEFT JOIN cur ON cur.id = agg.entity_id
            WHERE agg.n <> agg.nd OR agg.n <> agg.hi - agg.lo + 1 OR cur.version IS DISTINCT FROM agg.hi
                OR (agg.lo <> 1 AND NOT coalesce(cur.created_at < $3, false))
            UNION ALL
            SELECT $2, ev.entity_id, 'bad_first_event', pg_catalog.jsonb_build_object('event_type', ev.event_type)
            FROM ev WHERE ev.entity_version = 1 AND ev.event_type <> $2 || '.created'
            UNION ALL
            SELECT $2, d.entity_id, 'changes_mismatch',
                pg_catalog.jsonb_build_object('version', d.entity_version, 'fields', d.fields)
            FROM (
                SELECT ev.entity_id, ev.entity_version,
                    (SELECT pg_catalog.jsonb_object_agg(f.k, f.v) FROM (VALUES %4$s, %5$s) AS f (k, v)
                    WHERE f.v IS NOT NULL) AS fields
                FROM ev JOIN ev AS prev
                    ON prev.entity_id = ev.entity_id AND prev.entity_version = ev.entity_version - 1
                CROSS JOIN LATERAL (
                    SELECT y.replayed, pg_catalog.jsonb_populate_record(NULL::%1$s, y.replayed) AS r,
                        pg_catalog.jsonb_populate_record(NULL::%1$s, ev.payload) AS s,
                        pg_catalog.jsonb_populate_record(NULL::%1$s, prev.payload) AS p
                    FROM (SELECT prev.payload || coalesce((SELECT pg_catalog.jsonb_object_agg(c.key, c.value -> 'new')
                        FROM pg_catalog.jsonb_each(ev.changes) AS c), '{}'::jsonb) AS replayed) AS y
                ) AS x
            ) AS d
            WHERE d.fields IS NOT NULL
            $q$, v_table, v_snapshot, v_row_diff, v_replay_diff, v_old_diff)
        USING p_tenant_id, v_entity.entity_type, v_boundary;
    END LOOP;
    -- events it cannot place: beyond the transaction counter (restore_not_recorded)
    RETURN QUERY SELECT * FROM erp._audit_unplaced(p_tenant_id);
    RETURN QUERY SELECT * FROM erp._sequence_verify(p_tenant_id, v_boundary);
END
$fn$;
COMMENT ON FUNCTION erp.audit_verify(uuid) IS
    'Integrity report of a tenant''s audit trail and numbering; no rows when everything is sound.';
REVOKE ALL ON FUNCTION erp.audit_verify(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_verify(uuid) TO erp_auditor, erp_admin;
