-- Tenant isolation: every public function of the audit core and of sequences, called with
-- tenant B's context on tenant A's ids and codes, answers ZE001 or an empty result, and
-- tenant A's rows and events stay exactly as they were.
BEGIN;
\ir include/core_helpers.sql
SELECT plan(39);

SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'Acme');
SELECT erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', 'Beta');

-- tenant A: sequence ONLYA (one number issued, updated once); both tenants have a sequence SHARED
CREATE TEMP TABLE a ON COMMIT DROP AS
SELECT (erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a',
    'erp.base.sequence', '{"code": "ONLYA", "name": "Only in A"}') ->> 'id')::uuid AS id;
SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a',
    'erp.base.sequence', (SELECT a.id FROM a), '{"name": "Only in A, renamed"}');
SELECT erp.sequence_next('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'ONLYA');
SELECT erp.sequence_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'SHARED', 'A');
SELECT erp.sequence_next('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'SHARED')
FROM generate_series(1, 5);
SELECT erp.sequence_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', 'SHARED', 'B');

CREATE FUNCTION pg_temp.a_id() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT a.id FROM a $$;
CREATE FUNCTION pg_temp.a_event() RETURNS uuid LANGUAGE sql STABLE
AS $$ SELECT e.id FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.a_id() LIMIT 1 $$;

CREATE TEMP TABLE a_state ON COMMIT DROP AS
SELECT pg_temp.tenant_state('a0000000-0000-4000-8000-00000000000a') AS s;

-- ===== B on A's ids: ZE001, nothing written ==================================================
SELECT pg_temp.refused_as('erp_app', format($$SELECT erp.sequence_get(
    'b0000000-0000-4000-8000-00000000000b', %L)$$, pg_temp.a_id()),
    'ZE001', 'sequence_get with B on A''s sequence id');
SELECT pg_temp.refused_as('erp_app', format($$SELECT erp.sequence_update(
    'b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', %L, '{"name": "Stolen"}')$$,
    pg_temp.a_id()),
    'ZE001', 'sequence_update with B on A''s sequence id');
SELECT pg_temp.refused_as('erp_app', format($$SELECT erp.sequence_update(
    'b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', %L, '{"name": "Stolen"}', 2)$$,
    pg_temp.a_id()),
    'ZE001', 'sequence_update with B on A''s id and A''s current version');
SELECT pg_temp.refused_as('erp_app', $$SELECT erp.sequence_next(
    'b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', 'ONLYA')$$,
    'ZE001', 'sequence_next with B on A''s sequence code');
SELECT pg_temp.refused_as('erp_app', $$SELECT erp.sequence_next_batch(
    'b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', 'ONLYA', 3)$$,
    'ZE001', 'sequence_next_batch with B on A''s sequence code');
SELECT pg_temp.refused_as('erp_app', $$SELECT erp.sequence_peek(
    'b0000000-0000-4000-8000-00000000000b', 'ONLYA')$$,
    'ZE001', 'sequence_peek with B on A''s sequence code');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit(
    'b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', 'erp.base.sequence', %L,
    '{"name": "Stolen"}')$$, pg_temp.a_id()),
    'ZE001', 'atomic_update_with_audit with B on A''s id');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit(
    'b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', 'erp.base.sequence', %L,
    NULL, NULL, 'archived')$$, pg_temp.a_id()),
    'ZE001', 'archive with B on A''s id');
SELECT pg_temp.refused(format($$SELECT erp._sequence_lock('b0000000-0000-4000-8000-00000000000b', %L, NULL)$$,
    pg_temp.a_id()),
    'ZE001', 'the generated lock function with B on A''s id');
SELECT pg_temp.refused_as('erp_auditor', format($$SELECT * FROM erp.audit_events(
    'b0000000-0000-4000-8000-00000000000b', p_after => %L)$$, pg_temp.a_event()),
    'ZE001', 'audit_events with B and one of A''s events as p_after');

-- ===== B on A's ids: empty results ==========================================================
SELECT is_empty(format($$SELECT * FROM erp.audit_history('b0000000-0000-4000-8000-00000000000b',
    'erp.base.sequence', %L)$$, pg_temp.a_id()),
    'audit_history with B on A''s entity is empty');
SELECT is_empty($$SELECT * FROM erp.audit_history('b0000000-0000-4000-8000-00000000000b',
    'erp.base.tenant', 'a0000000-0000-4000-8000-00000000000a')$$,
    'audit_history with B on tenant A''s own history is empty');
SELECT is(
    erp.entity_as_of('b0000000-0000-4000-8000-00000000000b', 'erp.base.sequence', pg_temp.a_id(), 'infinity'),
    NULL,
    'entity_as_of with B on A''s entity is NULL'
);
SELECT is_empty($$SELECT * FROM erp.audit_events('b0000000-0000-4000-8000-00000000000b',
    p_trace_id => 'trace-a')$$,
    'audit_events with B and A''s trace id is empty');
SELECT is(
    (SELECT array_agg(DISTINCT e.tenant_id) FROM erp.audit_events('b0000000-0000-4000-8000-00000000000b',
        p_limit => 10000) AS e),
    ARRAY['b0000000-0000-4000-8000-00000000000b'::uuid],
    'audit_events of B returns only B''s events'
);
SELECT is_empty($$SELECT * FROM erp.audit_events('b0000000-0000-4000-8000-00000000000b',
    p_entity_type => 'erp.base.sequence', p_event_type => 'erp.base.sequence.allocated')$$,
    'audit_events of B does not show A''s allocations');
SELECT is(
    (SELECT array_agg(s.code) FROM erp.sequence_list('b0000000-0000-4000-8000-00000000000b') AS s),
    ARRAY['SHARED'],
    'sequence_list of B lists only B''s sequences'
);
SELECT is(
    (SELECT s.name FROM erp.sequence_list('b0000000-0000-4000-8000-00000000000b') AS s),
    'B',
    'the SHARED code of B is B''s own sequence'
);
SELECT is(
    (SELECT p.allocated_value FROM erp.sequence_peek('b0000000-0000-4000-8000-00000000000b', 'SHARED') AS p),
    1::bigint,
    'sequence_peek of B''s SHARED ignores A''s five numbers'
);
SELECT is(
    (SELECT n.allocated_value FROM erp.sequence_next('b0000000-0000-4000-8000-00000000000b', NULL,
        'SYSTEM', 'trace-b', 'SHARED') AS n),
    1::bigint,
    'sequence_next of B''s SHARED starts at 1, independent of A'
);
SELECT is(
    (SELECT array_agg(n.allocated_value ORDER BY n.allocated_value) FROM erp.sequence_next_batch(
        'b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', 'SHARED', 2) AS n),
    ARRAY[2, 3]::bigint[],
    'sequence_next_batch of B continues B''s own series'
);
SELECT is(
    (SELECT t.name FROM erp.tenant_get('b0000000-0000-4000-8000-00000000000b') AS t),
    'Beta',
    'tenant_get of B is B'
);

-- an id chosen by B that equals A's id makes B's own row, and never touches A's
SELECT is(
    (erp.atomic_insert_with_audit('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b',
        'erp.base.sequence', jsonb_build_object('id', pg_temp.a_id(), 'code', 'COPY', 'name', 'B copy'))
        ->> 'tenant_id'),
    'b0000000-0000-4000-8000-00000000000b',
    'an insert by B with A''s id creates B''s own row'
);
SELECT is(
    (SELECT s.name FROM erp.sequence_get('a0000000-0000-4000-8000-00000000000a', pg_temp.a_id()) AS s),
    'Only in A, renamed',
    'A''s row with that id is untouched'
);
SELECT is(
    (SELECT array_agg(h.tenant_id::text || ' v' || h.entity_version ORDER BY h.tenant_id, h.entity_version)
    FROM erp.erp_audit_events AS h
    WHERE h.entity_id = pg_temp.a_id() AND h.entity_version IS NOT NULL),
    ARRAY['a0000000-0000-4000-8000-00000000000a v1', 'a0000000-0000-4000-8000-00000000000a v2',
        'b0000000-0000-4000-8000-00000000000b v1'],
    'each tenant has its own version chain for the same entity id'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_history('b0000000-0000-4000-8000-00000000000b', 'erp.base.sequence',
        pg_temp.a_id())),
    1::bigint,
    'audit_history of B on that id shows only B''s event'
);

-- ===== verification is per tenant ============================================================
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'tenant A verifies clean');
SELECT is_empty($$SELECT * FROM erp.audit_verify('b0000000-0000-4000-8000-00000000000b')$$,
    'tenant B verifies clean');
SELECT is(
    pg_temp.tenant_state('a0000000-0000-4000-8000-00000000000a'),
    (SELECT a_state.s FROM a_state),
    'after all of B''s calls, tenant A''s rows and events are exactly as before'
);

SELECT * FROM finish();
ROLLBACK;
