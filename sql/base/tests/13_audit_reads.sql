-- Audit reads: erp.audit_history, erp.audit_events (keyset pagination, filters),
-- erp.entity_as_of (time travel) and erp.audit_verify (one row per problem).
BEGIN;
\ir include/core_helpers.sql
SELECT plan(55);

SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'Acme');
SELECT erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'setup', 'Beta');

-- entity S: created, updated twice (two actors), archived, restored, three numbers allocated
CREATE TEMP TABLE s ON COMMIT DROP AS
SELECT (w.v ->> 'id')::uuid AS id FROM erp.atomic_insert_many_with_audit(
    'a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000001', 'USER',
    'trace-create', 'erp.base.sequence', '[{"code": "INV", "name": "Invoices"}]') AS w (v);
SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000001', 'USER', 'trace-u1', 'erp.base.sequence',
    (SELECT s.id FROM s), '{"name": "Sales invoices"}');
SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000002', 'USER', 'trace-u2', 'erp.base.sequence',
    (SELECT s.id FROM s), '{"prefix": "SI-", "padding": 4}');
SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    'trace-arch', 'erp.base.sequence', (SELECT s.id FROM s), NULL, NULL, 'archived');
SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    'trace-arch', 'erp.base.sequence', (SELECT s.id FROM s), NULL, NULL, 'restored');
SELECT erp.sequence_next('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-num',
    'INV', '2025-03-01')
FROM generate_series(1, 3);
-- 110 more sequences in one batch (more than one default page), and some events in tenant B
SELECT count(*) FROM erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', 'trace-bulk', 'erp.base.sequence',
    (SELECT jsonb_agg(jsonb_build_object('code', 'BULK' || g, 'name', 'Bulk ' || g))
    FROM generate_series(1, 110) AS g));
SELECT count(*) FROM erp.atomic_insert_many_with_audit('b0000000-0000-4000-8000-00000000000b',
    NULL, 'SYSTEM', 'trace-create', 'erp.base.sequence', '[{"code": "INV", "name": "B"}]');

-- ===== the indexes behind the reads ========================================================
SELECT has_index('erp', 'erp_audit_events', 'erp_audit_events_entity_idx',
    ARRAY['tenant_id', 'entity_id', 'entity_version'], 'per-entity index: history, time travel, verify');
SELECT has_index('erp', 'erp_audit_events', 'erp_audit_events_pkey',
    ARRAY['tenant_id', 'id'], 'primary key: tenant pages in id (= time) order, keyset on id');
SELECT has_index('erp', 'erp_audit_events', 'erp_audit_events_trace_id_idx',
    ARRAY['tenant_id', 'trace_id'], 'trace look-up index');
SELECT has_index('erp', 'erp_audit_events', 'erp_audit_events_xact_idx',
    ARRAY['tenant_id', 'xact_id', 'id'], 'commit-safe positions: feed and seal');
SELECT set_eq(
    $$SELECT c.relname::text FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'erp.erp_audit_events'::regclass$$,
    ARRAY['erp_audit_events_pkey', 'erp_audit_events_entity_idx', 'erp_audit_events_trace_id_idx',
        'erp_audit_events_xact_idx'],
    'exactly these four indexes (every index costs each event a write): no global (entity, version) key'
);

-- ===== audit_history ======================================================================
SELECT is(
    (SELECT array_agg(h.event_type ORDER BY h.id)
    FROM erp.audit_history('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence',
        (SELECT s.id FROM s)) AS h),
    ARRAY['erp.base.sequence.created', 'erp.base.sequence.updated', 'erp.base.sequence.updated',
        'erp.base.sequence.archived', 'erp.base.sequence.restored', 'erp.base.sequence.allocated',
        'erp.base.sequence.allocated', 'erp.base.sequence.allocated'],
    'audit_history: every event of the entity, definition changes and allocations'
);
SELECT results_eq(
    $$SELECT h.id FROM erp.audit_history('a0000000-0000-4000-8000-00000000000a',
        'erp.base.sequence', (SELECT s.id FROM s)) AS h$$,
    $$SELECT e.id FROM erp.erp_audit_events AS e WHERE e.entity_id = (SELECT s.id FROM s)
        ORDER BY e.id$$,
    'audit_history is ordered oldest first'
);
SELECT is(
    (SELECT array_agg(h.entity_version ORDER BY h.id)
    FROM erp.audit_history('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence',
        (SELECT s.id FROM s)) AS h WHERE h.entity_version IS NOT NULL),
    ARRAY[1, 2, 3, 4, 5]::bigint[],
    'the definition events carry versions 1..5; allocations carry none'
);
SELECT is_empty(
    $$SELECT * FROM erp.audit_history('a0000000-0000-4000-8000-00000000000a', 'erp.base.uom',
        (SELECT s.id FROM s))$$,
    'audit_history filters on the entity type too'
);
SELECT is_empty(
    $$SELECT * FROM erp.audit_history('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence',
        'd0000000-0000-4000-8000-00000000000d')$$,
    'audit_history of an unknown entity is empty'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_history('a0000000-0000-4000-8000-00000000000a',
        'erp.base.tenant', 'a0000000-0000-4000-8000-00000000000a')),
    1::bigint,
    'the tenant itself has a history (its created event)'
);

-- ===== audit_events =======================================================================
SELECT results_eq(
    $$SELECT e.id FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a', p_limit => 10000) AS e$$,
    $$SELECT e.id FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' ORDER BY e.id$$,
    'audit_events without filters: every event of the tenant, oldest first'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a')),
    100::bigint,
    'p_limit defaults to 100'
);

-- walk every page with p_after and compare with the full list
CREATE FUNCTION pg_temp.walk(
    p_limit integer, p_entity_type text DEFAULT NULL, p_trace_id text DEFAULT NULL,
    p_from timestamptz DEFAULT NULL
) RETURNS uuid[]
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_all uuid[] := '{}';
    v_page uuid[];
BEGIN
    LOOP
        SELECT coalesce(array_agg(e.id ORDER BY e.created_at, e.id), '{}') INTO v_page
        FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a', p_from => p_from,
            p_entity_type => p_entity_type, p_trace_id => p_trace_id,
            p_after => v_all[cardinality(v_all)], p_limit => p_limit) AS e;
        EXIT WHEN cardinality(v_page) = 0;
        IF cardinality(v_page) > p_limit THEN
            RAISE EXCEPTION 'page larger than its limit';
        END IF;
        v_all := v_all || v_page;
    END LOOP;
    RETURN v_all;
END
$fn$;
SELECT is(
    pg_temp.walk(7),
    (SELECT array_agg(e.id ORDER BY e.created_at, e.id) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    'keyset pages of 7 concatenate to the full list, without repeats or holes'
);
SELECT is(
    pg_temp.walk(1, p_trace_id => 'trace-arch'),
    (SELECT array_agg(e.id ORDER BY e.created_at, e.id) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.trace_id = 'trace-arch'),
    'keyset pages also work with a trace filter'
);
SELECT is(
    pg_temp.walk(4, p_entity_type => 'erp.base.tenant'),
    (SELECT array_agg(e.id) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.entity_type = 'erp.base.tenant'),
    'keyset pages with an entity type filter'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a',
        p_entity_type => 'erp.base.sequence', p_limit => 10000)),
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.entity_type = 'erp.base.sequence'),
    'filter by entity type'
);
SELECT is(
    (SELECT array_agg(DISTINCT e.trace_id) FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a',
        p_event_type => 'erp.base.sequence.updated') AS e),
    ARRAY['trace-u1', 'trace-u2'],
    'filter by event type'
);
SELECT is(
    (SELECT array_agg(e.trace_id ORDER BY e.created_at) FROM erp.audit_events(
        'a0000000-0000-4000-8000-00000000000a',
        p_actor_user_id => 'f0000000-0000-4000-8000-000000000001') AS e),
    ARRAY['trace-create', 'trace-u1'],
    'filter by actor user'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a',
        p_trace_id => 'trace-num')),
    3::bigint,
    'filter by trace id'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a',
        p_trace_id => 'trace-create', p_actor_user_id => 'f0000000-0000-4000-8000-000000000002')),
    0::bigint,
    'filters combine (AND)'
);
SELECT is(
    (SELECT array_agg(e.trace_id ORDER BY e.created_at, e.id) FROM erp.audit_events(
        'a0000000-0000-4000-8000-00000000000a',
        p_from => (SELECT min(x.created_at) FROM erp.erp_audit_events AS x WHERE x.trace_id = 'trace-u1'),
        p_to => (SELECT min(x.created_at) FROM erp.erp_audit_events AS x WHERE x.trace_id = 'trace-arch')
    ) AS e),
    ARRAY['trace-u1', 'trace-u2'],
    'p_from is inclusive, p_to exclusive'
);
SELECT is(
    (SELECT array_agg(e.trace_id ORDER BY e.created_at, e.id) FROM erp.audit_events(
        'a0000000-0000-4000-8000-00000000000a', p_trace_id => 'trace-arch',
        p_from => (SELECT max(x.created_at) FROM erp.erp_audit_events AS x WHERE x.trace_id = 'trace-arch'),
        p_to => 'infinity') AS e),
    ARRAY['trace-arch'],
    'time bounds also apply on the trace path'
);
SELECT is(
    pg_temp.walk(5, p_from => (SELECT min(x.created_at) FROM erp.erp_audit_events AS x
        WHERE x.trace_id = 'trace-bulk')),
    (SELECT array_agg(e.id ORDER BY e.created_at, e.id) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.trace_id = 'trace-bulk'),
    'keyset pages that start at p_from'
);
SELECT is_empty(
    $$SELECT * FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a', p_trace_id => 'nope')$$,
    'an unknown trace id gives no events'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_events('b0000000-0000-4000-8000-00000000000b')),
    2::bigint,
    'another tenant sees only its own events'
);
SELECT throws_ok($$SELECT * FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a', p_limit => 0)$$,
    'ZE003', NULL, 'p_limit 0');
SELECT throws_ok($$SELECT * FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a', p_limit => 10001)$$,
    'ZE003', NULL, 'p_limit above 10000');
SELECT throws_ok($$SELECT * FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a', p_limit => NULL)$$,
    'ZE003', NULL, 'p_limit NULL');
SELECT throws_ok($$SELECT * FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a',
    p_after => 'd0000000-0000-4000-8000-00000000000d')$$,
    'ZE001', NULL, 'p_after that is no event');
SELECT throws_ok($$SELECT * FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a',
    p_after => (SELECT e.id FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = 'b0000000-0000-4000-8000-00000000000b' LIMIT 1))$$,
    'ZE001', NULL, 'p_after that is an event of another tenant');

-- ===== entity_as_of =======================================================================
CREATE TEMP TABLE v ON COMMIT DROP AS
SELECT e.entity_version AS n, e.created_at AS at, e.payload FROM erp.erp_audit_events AS e
WHERE e.entity_id = (SELECT s.id FROM s) AND e.entity_version IS NOT NULL;

SELECT is(
    erp.entity_as_of('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence', (SELECT s.id FROM s),
        (SELECT v.at FROM v WHERE v.n = 1) - interval '1 microsecond'),
    NULL,
    'entity_as_of before the creation is NULL'
);
SELECT is(
    (SELECT array_agg(erp.entity_as_of('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence',
        (SELECT s.id FROM s), v.at) = v.payload ORDER BY v.n) FROM v),
    ARRAY[true, true, true, true, true],
    'entity_as_of at the time of each event is that event''s snapshot'
);
SELECT is(
    erp.entity_as_of('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence', (SELECT s.id FROM s),
        (SELECT v.at FROM v WHERE v.n = 3) - interval '1 microsecond'),
    (SELECT v.payload FROM v WHERE v.n = 2),
    'entity_as_of between two events is the earlier snapshot'
);
SELECT is(
    erp.entity_as_of('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence', (SELECT s.id FROM s),
        'infinity'),
    (SELECT pg_temp.snap(to_jsonb(q)) FROM erp.erp_sequences AS q WHERE q.id = (SELECT s.id FROM s)),
    'entity_as_of now is the current row (allocations are not snapshots)'
);
SELECT is(
    erp.entity_as_of('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence', (SELECT s.id FROM s),
        NULL),
    NULL,
    'entity_as_of at NULL is NULL'
);
SELECT is(
    erp.entity_as_of('b0000000-0000-4000-8000-00000000000b', 'erp.base.sequence', (SELECT s.id FROM s),
        'infinity'),
    NULL,
    'entity_as_of with another tenant is NULL'
);
SELECT is(
    erp.entity_as_of('a0000000-0000-4000-8000-00000000000a', 'erp.base.uom', (SELECT s.id FROM s),
        'infinity'),
    NULL,
    'entity_as_of with another entity type is NULL'
);

-- ===== audit_verify =======================================================================
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify: a sound trail (with allocations) reports nothing');
SELECT is_empty($$SELECT * FROM erp.audit_verify('b0000000-0000-4000-8000-00000000000b')$$,
    'audit_verify of tenant B reports nothing');
SELECT throws_ok($$SELECT * FROM erp.audit_verify('d0000000-0000-4000-8000-00000000000d')$$,
    'ZE006', NULL, 'audit_verify of an unknown tenant is ZE006, never a clean answer');
SELECT throws_ok($$SELECT * FROM erp.audit_verify(NULL)$$,
    'ZE006', NULL, 'audit_verify of a NULL tenant is ZE006');
SELECT erp.tenant_create('e0000000-0000-4000-8000-00000000000e', NULL, 'SYSTEM', 'setup', 'Gone') IS NULL;
DELETE FROM erp.erp_tenants WHERE id = 'e0000000-0000-4000-8000-00000000000e';
SELECT results_eq(
    $$SELECT entity_type, entity_id, problem FROM erp.audit_verify('e0000000-0000-4000-8000-00000000000e')$$,
    $$VALUES ('erp.base.tenant', 'e0000000-0000-4000-8000-00000000000e'::uuid, 'orphan_events')$$,
    'audit_verify: a tenant row deleted behind the trail is reported, not ZE006');

-- tamper with tenant A as a superuser, one entity per kind of damage
CREATE TEMP TABLE t (k text PRIMARY KEY, id uuid) ON COMMIT DROP;
INSERT INTO t
SELECT 'bulk' || s2.n AS k, s2.id FROM (
    SELECT q.id, row_number() OVER (ORDER BY q.code_key) AS n FROM erp.erp_sequences AS q
    WHERE q.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND q.code LIKE 'BULK%'
) AS s2 WHERE s2.n <= 6;
CREATE FUNCTION pg_temp.t(p_k text) RETURNS uuid LANGUAGE sql STABLE
AS $$ SELECT t.id FROM t WHERE t.k = p_k $$;
-- an event written behind the writers' back (a superuser may INSERT; nobody may UPDATE)
CREATE FUNCTION pg_temp.forge(
    p_entity_id uuid, p_event text, p_version bigint, p_payload jsonb, p_changes jsonb DEFAULT NULL
) RETURNS void
LANGUAGE sql
AS $$
    INSERT INTO erp.erp_audit_events (tenant_id, id, actor_type, entity_type, entity_id, event_type,
        payload, entity_version, changes)
    VALUES ('a0000000-0000-4000-8000-00000000000a', erp.uuid_v7(), 'SYSTEM', 'erp.base.sequence',
        p_entity_id, 'erp.base.sequence.' || p_event, p_payload, p_version, p_changes)
$$;
CREATE FUNCTION pg_temp.row_snap(p_id uuid) RETURNS jsonb LANGUAGE sql STABLE
AS $$ SELECT pg_temp.snap(to_jsonb(q)) FROM erp.erp_sequences AS q WHERE q.id = p_id $$;

-- 1. a row changed behind the writers' back
UPDATE erp.erp_sequences SET name = 'tampered' WHERE id = pg_temp.t('bulk1');
-- 2. a row inserted behind the writers' back
INSERT INTO erp.erp_sequences (tenant_id, id, code, name)
VALUES ('a0000000-0000-4000-8000-00000000000a', 'e0000000-0000-4000-8000-000000000002', 'GHOST', 'Ghost');
-- 3. a version bumped without an event
UPDATE erp.erp_sequences SET version = 2 WHERE id = pg_temp.t('bulk3');
-- 4. a forged event that skips a version
UPDATE erp.erp_sequences SET version = 3 WHERE id = pg_temp.t('bulk4');
SELECT pg_temp.forge(pg_temp.t('bulk4'), 'updated', 3, pg_temp.row_snap(pg_temp.t('bulk4')));
-- 5. events of an entity that has no row
SELECT pg_temp.forge('e0000000-0000-4000-8000-000000000005', 'created', 1, '{}');
-- 6. a version-2 event whose changes do not lead from version 1 to its snapshot
UPDATE erp.erp_sequences SET name = 'Renamed', version = 2 WHERE id = pg_temp.t('bulk5');
SELECT pg_temp.forge(pg_temp.t('bulk5'), 'updated', 2, pg_temp.row_snap(pg_temp.t('bulk5')),
    '{"prefix": {"old": "", "new": "P-"}}');
-- 7. a version-2 event whose "old" values are not the previous snapshot
UPDATE erp.erp_sequences SET name = 'Renamed', version = 2 WHERE id = pg_temp.t('bulk6');
SELECT pg_temp.forge(pg_temp.t('bulk6'), 'updated', 2, pg_temp.row_snap(pg_temp.t('bulk6')),
    '{"name": {"old": "Something else", "new": "Renamed"}}');
-- 8. an entity whose first event is not a created event
INSERT INTO erp.erp_sequences (tenant_id, id, code, name)
VALUES ('a0000000-0000-4000-8000-00000000000a', 'e0000000-0000-4000-8000-000000000008', 'FIRST', 'First');
SELECT pg_temp.forge('e0000000-0000-4000-8000-000000000008', 'updated', 1,
    pg_temp.row_snap('e0000000-0000-4000-8000-000000000008'));
-- 9. a number counted but never issued
UPDATE erp.erp_sequence_counters SET next_value = next_value + 1
WHERE sequence_id = (SELECT s.id FROM s);

SELECT set_eq(
    $$SELECT v.entity_id, v.problem FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a') AS v$$,
    $$VALUES
        (pg_temp.t('bulk1'), 'snapshot_mismatch'),
        ('e0000000-0000-4000-8000-000000000002'::uuid, 'no_events'),
        (pg_temp.t('bulk3'), 'snapshot_mismatch'),
        (pg_temp.t('bulk3'), 'version_gap'),
        (pg_temp.t('bulk4'), 'version_gap'),
        ('e0000000-0000-4000-8000-000000000005'::uuid, 'orphan_events'),
        (pg_temp.t('bulk5'), 'changes_mismatch'),
        (pg_temp.t('bulk6'), 'changes_mismatch'),
        ('e0000000-0000-4000-8000-000000000008'::uuid, 'bad_first_event'),
        ((SELECT s.id FROM s), 'sequence_gap')$$,
    'audit_verify reports each kind of damage, once, on the damaged entity only'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a') AS v
    WHERE v.entity_type IS NULL OR v.detail IS NULL),
    0::bigint,
    'every problem names the entity type and carries details'
);
SELECT is(
    (SELECT v.detail -> 'fields' -> 'name' FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a') AS v
    WHERE v.problem = 'snapshot_mismatch' AND v.entity_id = pg_temp.t('bulk1')),
    '{"row": "tampered", "event": "Bulk 1", "in_event": true}'::jsonb,
    'a snapshot mismatch names each differing field: the row''s value, the event''s, and whether the event has it'
);
SELECT is_empty($$SELECT * FROM erp.audit_verify('b0000000-0000-4000-8000-00000000000b')$$,
    'damage in tenant A is not reported for tenant B');

-- the auditor role reads the trail but nothing else
SELECT pg_temp.lives_as('erp_auditor',
    $$SELECT * FROM erp.audit_events('a0000000-0000-4000-8000-00000000000a')$$,
    'erp_auditor calls audit_events');
SELECT pg_temp.lives_as('erp_auditor',
    $$SELECT * FROM erp.audit_history('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence',
        'd0000000-0000-4000-8000-00000000000d')$$,
    'erp_auditor calls audit_history');
SELECT pg_temp.lives_as('erp_auditor',
    $$SELECT erp.entity_as_of('a0000000-0000-4000-8000-00000000000a', 'erp.base.sequence',
        'd0000000-0000-4000-8000-00000000000d', now())$$,
    'erp_auditor calls entity_as_of');
SELECT pg_temp.lives_as('erp_auditor',
    $$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'erp_auditor calls audit_verify');
SELECT pg_temp.refused_as('erp_auditor',
    $$SELECT * FROM erp.sequence_list('a0000000-0000-4000-8000-00000000000a')$$,
    '42501', 'erp_auditor cannot read master data');
SELECT pg_temp.refused_as('erp_auditor',
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL, 'X', 'X')$$,
    '42501', 'erp_auditor cannot write');

SELECT * FROM finish();
ROLLBACK;
