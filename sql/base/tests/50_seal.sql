-- Tamper evidence: erp.audit_seal, erp.audit_seal_verify, erp.audit_seal_head.
-- * Sealing writes per-tenant blocks (one per UTC month met, at most 10000 events each) whose
--   hashes chain from 64 zeros; events are taken in (xact_id, id) order, not id order; a seal
--   with nothing new writes nothing; the head reports the last block; verify is clean.
-- * Only events below the snapshot's xmin are final. Everything this test transaction writes
--   through the writers carries its own, still open xact_id and must NOT be sealed; the events
--   to seal are therefore inserted directly (as superuser) with xact_ids of long-finished
--   transactions (10, 11, ...: below any xmin of a migrated cluster), in fixed months of 2025.
--   Real commits, late commits and concurrent sealers are tested across connections in
--   tests/base/test_seal.py.
-- * Seal blocks are immutable (ZE007) for the owner and a superuser, also in replica mode.
-- * Roles: erp_admin seals; erp_auditor verifies and reads the head; erp_app gets nothing.
-- * A superuser with the triggers disabled: every tamper is found and named by verify. Each
--   tamper runs inside pg_temp.tampered(), which undoes it (subtransaction) after verifying.
BEGIN;
\ir include/core_helpers.sql
SELECT plan(67);

-- ---- helpers (pg_temp: the ROLLBACK removes them) -------------------------------------
-- Events of a finished transaction p_xact, p_n of them from p_at on (1 ms apart), inserted
-- as a superuser can; recorded in fakes (in insertion order) for the expectations.
CREATE TEMP TABLE fakes (
    n integer GENERATED ALWAYS AS IDENTITY, tenant_id uuid, id uuid, xact_id xid8
) ON COMMIT DROP;

CREATE FUNCTION pg_temp.fake(p_tenant_id uuid, p_xact bigint, p_at timestamptz, p_n integer)
RETURNS bigint
LANGUAGE sql
AS $fn$
    WITH ins AS (
        INSERT INTO erp.erp_audit_events (tenant_id, id, actor_type, entity_type, entity_id, event_type,
            trace_id, payload, created_at, xact_id)
        SELECT p_tenant_id, erp._uuid_v7_at(p_at + g * interval '1 ms'), 'SYSTEM', 'test.thing', gen_random_uuid(),
            'test.thing.created', 'seal-test', jsonb_build_object('n', g), p_at + g * interval '1 ms',
            p_xact::text::xid8
        FROM generate_series(1, p_n) AS g
        RETURNING tenant_id, id, xact_id
    )
    INSERT INTO fakes (tenant_id, id, xact_id) SELECT ins.tenant_id, ins.id, ins.xact_id FROM ins
    ORDER BY ins.xact_id, ins.id
    RETURNING (SELECT count(*) FROM ins)
$fn$;

-- The blocks a seal run wrote, as 'block_no:events' text (the returned rows).
CREATE FUNCTION pg_temp.sealed(p_tenant_id uuid) RETURNS text[]
LANGUAGE sql
AS $fn$
    SELECT coalesce(array_agg(s.block_no || ':' || s.events ORDER BY s.tenant_id, s.block_no), '{}')
    FROM erp.audit_seal(p_tenant_id) AS s
$fn$;

-- A text array sorted (expected problem lists are written in any order).
CREATE FUNCTION pg_temp.sorted(p_items text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT coalesce(array_agg(u.item ORDER BY u.item), '{}') FROM unnest(p_items) AS u (item)
$fn$;

-- What verify reports, as sorted 'problem|block_no|event_id' text ('-' for NULL).
CREATE FUNCTION pg_temp.problems(p_tenant_id uuid) RETURNS text[]
LANGUAGE sql
AS $fn$
    SELECT pg_temp.sorted(array_agg(concat_ws('|', v.problem, coalesce(v.block_no::text, '-'),
        coalesce(v.event_id::text, '-'))))
    FROM erp.audit_seal_verify(p_tenant_id) AS v
$fn$;

-- Runs a tamper (as superuser), returns what verify reports then (and, with p_probe, the
-- probe query's result as a last element 'probe=...'), and undoes the tamper: the exception
-- rolls the block's subtransaction back, so every tamper starts from the same sealed trail.
CREATE FUNCTION pg_temp.tampered(p_tenant_id uuid, p_sql text, p_probe text DEFAULT NULL) RETURNS text[]
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_problems text[];
    v_probe text;
BEGIN
    BEGIN
        EXECUTE p_sql;
        v_problems := pg_temp.problems(p_tenant_id);
        IF p_probe IS NOT NULL THEN
            EXECUTE p_probe INTO v_probe;
            v_problems := v_problems || ('probe=' || coalesce(v_probe, 'NULL'));
        END IF;
        RAISE EXCEPTION 'undo the tamper' USING ERRCODE = 'ZX999';
    EXCEPTION WHEN SQLSTATE 'ZX999' THEN
        RETURN v_problems;
    END;
END
$fn$;

-- An id just above another (last byte + 1): a forged event placed right after a sealed one.
CREATE FUNCTION pg_temp.above(p_id uuid) RETURNS uuid
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT encode(set_byte(uuid_send(p_id), 15, (get_byte(uuid_send(p_id), 15) + 1) % 256), 'hex')::uuid
$fn$;

-- One block's column as text (test shorthand).
CREATE FUNCTION pg_temp.block_hash(p_tenant_id uuid, p_block_no bigint) RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT b.hash FROM erp.erp_audit_seals AS b WHERE b.tenant_id = p_tenant_id AND b.block_no = p_block_no
$fn$;

-- The partition that holds an event (its triggers are what a tamperer disables).
CREATE FUNCTION pg_temp.part(p_id uuid) RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT e.tableoid::regclass::text FROM erp.erp_audit_events AS e WHERE e.id = p_id
$fn$;

-- The id of the n-th fake event (insertion order = position order within a call).
CREATE FUNCTION pg_temp.ev(p_n integer) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT f.id FROM fakes AS f WHERE f.n = p_n
$fn$;

-- Runs a query as a role and returns its first column as text.
CREATE FUNCTION pg_temp.as_role(p_role name, p_sql text) RETURNS text
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    EXECUTE p_sql INTO v_result;
    RESET ROLE;
    RETURN v_result;
END
$fn$;

-- ---- tenants; their created events belong to this (open) transaction ------------------------
SELECT lives_ok($$SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    'seal-test', 'Acme')$$, 'tenant A');
SELECT lives_ok($$SELECT erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM',
    'seal-test', 'Bulk')$$, 'tenant B');
SELECT lives_ok($$SELECT erp.tenant_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM',
    'seal-test', 'Cust')$$, 'tenant C');

-- ---- the first block ------------------------------------------------------------------------
-- five final events: transaction 10 (Jan 5), transaction 11 (Jan 3: earlier ids, later
-- transaction), transaction 12 (Jan 20): sealed in position order 10, 10, 11, 11, 12
SELECT is(pg_temp.fake('a0000000-0000-4000-8000-00000000000a', 10, '2025-01-05 10:00+00', 2)
    + pg_temp.fake('a0000000-0000-4000-8000-00000000000a', 11, '2025-01-03 10:00+00', 2)
    + pg_temp.fake('a0000000-0000-4000-8000-00000000000a', 12, '2025-01-20 10:00+00', 1),
    5::bigint, 'five events of finished transactions 10, 11, 12');

SELECT is(pg_temp.sealed('a0000000-0000-4000-8000-00000000000a'), ARRAY['1:5'],
    'the first seal writes block 1 with the five events (not the open transaction''s own event)');
SELECT is(
    (SELECT b.prev_hash FROM erp.erp_audit_seals AS b
    WHERE b.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND b.block_no = 1),
    repeat('0', 64), 'block 1 links to 64 zeros');
SELECT is(
    (SELECT b.event_ids FROM erp.erp_audit_seals AS b
    WHERE b.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND b.block_no = 1),
    ARRAY[pg_temp.ev(1), pg_temp.ev(2), pg_temp.ev(3), pg_temp.ev(4), pg_temp.ev(5)],
    'block 1 lists the events in (xact_id, id) order');
SELECT cmp_ok(pg_temp.ev(3), '<', pg_temp.ev(1), '... which is not id order (transaction 11 wrote earlier ids)');
SELECT is(
    (SELECT b.event_hashes FROM erp.erp_audit_seals AS b
    WHERE b.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND b.block_no = 1),
    (SELECT string_agg(sha256(convert_to(erp._audit_canonical(e), 'UTF8')), ''::bytea ORDER BY e.xact_id, e.id)
    FROM erp.erp_audit_events AS e WHERE e.id IN (SELECT f.id FROM fakes AS f)),
    'event_hashes: the SHA-256 of each event''s canonical line, in block order');
SELECT is(
    (SELECT array_agg(b.block_no) FROM erp.erp_audit_seals AS b
    WHERE b.hash IS DISTINCT FROM erp._audit_block_hash(b)
        OR b.hash IS DISTINCT FROM encode(sha256(convert_to(concat_ws('|', b.prev_hash, b.tenant_id, b.block_no,
            to_char(b.month, 'YYYY-MM'), b.after_xact, b.after_id, b.through_xact, b.through_id, b.events), 'UTF8')
            || b.event_hashes), 'hex')),
    NULL, 'hash = sha256(prev_hash|tenant|block|month|range|events || event hashes), recomputable outside');
SELECT is(
    (SELECT h.through_xact::text || '/' || h.through_id::text FROM erp.erp_audit_seal_heads AS h
    WHERE h.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    '12/' || pg_temp.ev(5), 'the head sits at the last sealed position');
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.xact_id = pg_current_xact_id()),
    1::bigint, 'the tenant''s created event of this open transaction exists ...');
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_seals AS b CROSS JOIN LATERAL unnest(b.event_ids) AS u (id)
    INNER JOIN erp.erp_audit_events AS e ON u.id = e.id WHERE e.xact_id = pg_current_xact_id()),
    0::bigint, '... and is in no block: an open transaction''s events are left to a later run');

-- ---- a batch over two months: two blocks in one run ---------------------------------------------
SELECT is(pg_temp.fake('a0000000-0000-4000-8000-00000000000a', 20, '2025-01-25 10:00+00', 2)
    + pg_temp.fake('a0000000-0000-4000-8000-00000000000a', 20, '2025-02-02 10:00+00', 1)
    + pg_temp.fake('a0000000-0000-4000-8000-00000000000a', 21, '2025-01-26 10:00+00', 1)
    + pg_temp.fake('a0000000-0000-4000-8000-00000000000a', 21, '2025-02-03 10:00+00', 1),
    5::bigint, 'five more events of transactions 20 and 21, in January and February');
SELECT is(pg_temp.sealed('a0000000-0000-4000-8000-00000000000a'), ARRAY['2:3', '3:2'],
    'the second seal writes block 2 (January: 3 events) and block 3 (February: 2 events)');
SELECT is(
    (SELECT array_agg(l.ok ORDER BY l.block_no) FROM (
        SELECT b.block_no, b.prev_hash = coalesce(lag(b.hash) OVER (ORDER BY b.block_no), repeat('0', 64)) AS ok
        FROM erp.erp_audit_seals AS b WHERE b.tenant_id = 'a0000000-0000-4000-8000-00000000000a'
    ) AS l),
    ARRAY[true, true, true], 'the blocks chain: block n+1''s prev_hash is block n''s hash');
SELECT is(
    (SELECT array_agg(concat_ws(' ', to_char(b.month, 'YYYY-MM'), b.after_xact || '/' || b.after_id,
        b.through_xact || '/' || b.through_id, b.event_ids::text) ORDER BY b.block_no)
    FROM erp.erp_audit_seals AS b
    WHERE b.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND b.block_no > 1),
    ARRAY[
        concat_ws(' ', '2025-01', '12/' || pg_temp.ev(5), '21/' || pg_temp.ev(10),
            ARRAY[pg_temp.ev(6), pg_temp.ev(7), pg_temp.ev(9)]::text),
        concat_ws(' ', '2025-02', '12/' || pg_temp.ev(5), '21/' || pg_temp.ev(10),
            ARRAY[pg_temp.ev(8), pg_temp.ev(10)]::text)
    ],
    'both blocks of the run cover the same position range, each its own month''s events');

SELECT pg_temp.mark('sealed');
SELECT is(pg_temp.sealed('a0000000-0000-4000-8000-00000000000a'), '{}'::text[],
    'a seal with no new final events returns no block ...');
SELECT pg_temp.unchanged_since('sealed', '... and writes nothing');

SELECT is(
    (SELECT h.block_no || ' ' || h.hash || ' ' || h.events || ' ' || erp._utc(h.sealed_through)
    FROM erp.audit_seal_head('a0000000-0000-4000-8000-00000000000a') AS h),
    '3 ' || pg_temp.block_hash('a0000000-0000-4000-8000-00000000000a', 3) || ' 10 '
    || erp._utc('2025-02-03 10:00:00.001+00'),
    'audit_seal_head: last block, its hash, the events sealed, the time of the last sealed event');
SELECT is(pg_temp.problems('a0000000-0000-4000-8000-00000000000a'), '{}'::text[],
    'audit_seal_verify of an untouched trail returns no rows');
SELECT is(
    (SELECT array_agg(u.id ORDER BY u.id) FROM erp.erp_audit_seals AS b
    CROSS JOIN LATERAL unnest(b.event_ids) AS u (id) WHERE b.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    (SELECT array_agg(f.id ORDER BY f.id) FROM fakes AS f WHERE f.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    'every final event of the tenant is in exactly one block');

-- ---- batches of at most 10000 events; all tenants at once; a tenant never sealed -----------------
SELECT is(pg_temp.fake('b0000000-0000-4000-8000-00000000000b', 30, '2025-03-01 00:00+00', 10001), 10001::bigint,
    'tenant B: 10001 events of one transaction');
SELECT is(pg_temp.sealed('b0000000-0000-4000-8000-00000000000b'), ARRAY['1:10000', '2:1'],
    'they are sealed in blocks of at most 10000 events');
SELECT is(pg_temp.problems('b0000000-0000-4000-8000-00000000000b'), '{}'::text[], 'tenant B verifies clean');

SELECT is((SELECT count(*) FROM erp.audit_seal_head('c0000000-0000-4000-8000-00000000000c')), 0::bigint,
    'a tenant never sealed has no head row');
SELECT is(pg_temp.problems('c0000000-0000-4000-8000-00000000000c'), '{}'::text[],
    '... and verifies clean');
SELECT is(pg_temp.fake('c0000000-0000-4000-8000-00000000000c', 40, '2025-03-10 00:00+00', 1), 1::bigint,
    'tenant C: one event');
SELECT is(pg_temp.sealed(NULL), ARRAY['1:1'], 'audit_seal(NULL) seals every tenant: only C had new events');

SELECT throws_ok($$SELECT * FROM erp.audit_seal('d0000000-0000-4000-8000-00000000000d')$$, 'ZE006', NULL,
    'audit_seal of an unknown tenant is ZE006');
SELECT throws_ok($$SELECT * FROM erp.audit_seal_verify('d0000000-0000-4000-8000-00000000000d')$$, 'ZE006', NULL,
    'audit_seal_verify of an unknown tenant is ZE006, never a clean answer');
SELECT throws_ok($$SELECT * FROM erp.audit_seal_head('d0000000-0000-4000-8000-00000000000d')$$, 'ZE006', NULL,
    'audit_seal_head of an unknown tenant is ZE006');

-- ---- seal blocks are immutable ---------------------------------------------------------------------
SELECT is(
    (SELECT array_agg(t.tgname::text || ':' || t.tgenabled::text ORDER BY t.tgname)
    FROM pg_trigger AS t WHERE t.tgrelid = 'erp.erp_audit_seals'::regclass AND NOT t.tgisinternal),
    ARRAY['erp_audit_seals_no_truncate:A', 'erp_audit_seals_no_update_delete:A'],
    'both immutability triggers of the seal blocks are ENABLE ALWAYS');
SELECT throws_ok($$UPDATE erp.erp_audit_seals SET events = events$$, 'ZE007', NULL,
    'a superuser cannot UPDATE seal blocks');
SELECT throws_ok($$DELETE FROM erp.erp_audit_seals$$, 'ZE007', NULL, 'a superuser cannot DELETE seal blocks');
SELECT throws_ok($$TRUNCATE erp.erp_audit_seals$$, 'ZE007', NULL, 'a superuser cannot TRUNCATE seal blocks');
SELECT pg_temp.throws_as('erp_owner', $$UPDATE erp.erp_audit_seals SET hash = repeat('f', 64)$$, 'ZE007',
    'the owner cannot UPDATE seal blocks');
SELECT pg_temp.throws_as('erp_owner', $$DELETE FROM erp.erp_audit_seals$$, 'ZE007',
    'the owner cannot DELETE seal blocks');
SELECT pg_temp.throws_as('erp_owner', $$TRUNCATE erp.erp_audit_seals$$, 'ZE007',
    'the owner cannot TRUNCATE seal blocks');
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$UPDATE erp.erp_audit_seals SET events = events$$, 'ZE007', NULL,
    'replica mode: a superuser cannot UPDATE seal blocks');
SELECT throws_ok($$DELETE FROM erp.erp_audit_seals$$, 'ZE007', NULL,
    'replica mode: a superuser cannot DELETE seal blocks');
SELECT throws_ok($$TRUNCATE erp.erp_audit_seals$$, 'ZE007', NULL,
    'replica mode: a superuser cannot TRUNCATE seal blocks');
RESET session_replication_role;

-- ---- who may call what --------------------------------------------------------------------------------
SELECT pg_temp.throws_as('erp_app', $$SELECT * FROM erp.audit_seal('a0000000-0000-4000-8000-00000000000a')$$,
    '42501', 'erp_app cannot seal');
SELECT pg_temp.throws_as('erp_app',
    $$SELECT * FROM erp.audit_seal_verify('a0000000-0000-4000-8000-00000000000a')$$,
    '42501', 'erp_app cannot verify the seal');
SELECT pg_temp.throws_as('erp_app',
    $$SELECT * FROM erp.audit_seal_head('a0000000-0000-4000-8000-00000000000a')$$,
    '42501', 'erp_app cannot read the seal head');
SELECT pg_temp.throws_as('erp_auditor',
    $$SELECT * FROM erp.audit_seal('a0000000-0000-4000-8000-00000000000a')$$,
    '42501', 'erp_auditor cannot seal');
SELECT is(pg_temp.as_role('erp_auditor',
    $$SELECT count(*) FROM erp.audit_seal_verify('a0000000-0000-4000-8000-00000000000a')$$), '0',
    'erp_auditor verifies the seal (clean)');
SELECT is(pg_temp.as_role('erp_auditor',
    $$SELECT h.block_no || ':' || h.events FROM erp.audit_seal_head('a0000000-0000-4000-8000-00000000000a') AS h$$),
    '3:10', 'erp_auditor reads the seal head');
SELECT is(pg_temp.fake('c0000000-0000-4000-8000-00000000000c', 41, '2025-03-11 00:00+00', 2), 2::bigint,
    'tenant C: two more events');
SELECT is(pg_temp.as_role('erp_admin',
    $$SELECT string_agg(s.block_no || ':' || s.events, ',') FROM erp.audit_seal('c0000000-0000-4000-8000-00000000000c') AS s$$),
    '2:2', 'erp_admin seals');
SELECT is(pg_temp.as_role('erp_admin',
    $$SELECT count(*) FROM erp.audit_seal_verify('c0000000-0000-4000-8000-00000000000c')$$), '0',
    'erp_admin verifies the seal (clean)');

-- ---- a superuser tampers with triggers disabled: found and named ------------------------------------------
-- tenant A: block 1 = events 1-5 (January), block 2 = 6, 7, 9 (January), block 3 = 8, 10 (February)
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a', format(
    $$ALTER TABLE %s DISABLE TRIGGER ALL; UPDATE erp.erp_audit_events SET payload = '{"n": 99}' WHERE id = %L$$,
    pg_temp.part(pg_temp.ev(2)), pg_temp.ev(2))),
    ARRAY['changed_event|1|' || pg_temp.ev(2)], 'a changed payload: changed_event naming block and event');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a', format(
    $$ALTER TABLE %s DISABLE TRIGGER ALL;
    UPDATE erp.erp_audit_events SET created_at = created_at + interval '1 microsecond' WHERE id = %L$$,
    pg_temp.part(pg_temp.ev(7)), pg_temp.ev(7))),
    ARRAY['changed_event|2|' || pg_temp.ev(7)], 'a timestamp moved by one microsecond: changed_event');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a', format(
    $$ALTER TABLE %s DISABLE TRIGGER ALL; DELETE FROM erp.erp_audit_events WHERE id = %L$$,
    pg_temp.part(pg_temp.ev(9)), pg_temp.ev(9))),
    ARRAY['deleted_event|2|' || pg_temp.ev(9)], 'a deleted event: deleted_event naming block and event');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a', format(
    $$ALTER TABLE %s DISABLE TRIGGER ALL; UPDATE erp.erp_audit_events SET xact_id = '999999999' WHERE id = %L$$,
    pg_temp.part(pg_temp.ev(4)), pg_temp.ev(4))),
    ARRAY['deleted_event|1|' || pg_temp.ev(4), 'restore_not_recorded|-|-'],
    'an event moved out of the sealed range: deleted_event; its xact_id beyond the counter: it cannot be placed');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a', format(
    $$INSERT INTO erp.erp_audit_events (tenant_id, id, actor_type, entity_type, entity_id, event_type, payload,
        created_at, xact_id)
    SELECT e.tenant_id, pg_temp.above(e.id), e.actor_type, e.entity_type, e.entity_id, 'test.thing.forged',
        e.payload, e.created_at, e.xact_id
    FROM erp.erp_audit_events AS e WHERE e.id IN (%L, %L)$$, pg_temp.ev(3), pg_temp.ev(8))),
    pg_temp.sorted(ARRAY['inserted_event|1|' || pg_temp.above(pg_temp.ev(3)),
        'inserted_event|3|' || pg_temp.above(pg_temp.ev(8))]),
    'events slipped into sealed ranges (no trigger needed to INSERT): inserted_event naming the block');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$ALTER TABLE erp.erp_audit_seals DISABLE TRIGGER ALL;
    UPDATE erp.erp_audit_seals SET hash = repeat('f', 64)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 2$$),
    ARRAY['broken_link|3|-', 'changed_block|2|-'], 'a block''s hash rewritten: changed_block and the next link broken');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$ALTER TABLE erp.erp_audit_seals DISABLE TRIGGER ALL;
    UPDATE erp.erp_audit_seals SET events = 4, event_ids = event_ids[1:4], event_hashes = substring(event_hashes FOR 128)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 1$$),
    ARRAY['changed_block|1|-', 'head_mismatch|3|-', 'inserted_event|1|' || pg_temp.ev(5)],
    'a block that drops an event: changed_block, the event is no longer sealed, the head counts one more');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$ALTER TABLE erp.erp_audit_seals DISABLE TRIGGER ALL;
    DELETE FROM erp.erp_audit_seals WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 2$$),
    pg_temp.sorted(ARRAY['deleted_block|2|-', 'head_mismatch|3|-', 'inserted_event|-|' || pg_temp.ev(6),
        'inserted_event|-|' || pg_temp.ev(7), 'inserted_event|-|' || pg_temp.ev(9)]),
    'a block deleted from the middle: deleted_block, its events unsealed, the head counts three more');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$ALTER TABLE erp.erp_audit_seals DISABLE TRIGGER ALL;
    UPDATE erp.erp_audit_seals SET prev_hash = repeat('1', 64)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 2;
    UPDATE erp.erp_audit_seals AS b SET hash = erp._audit_block_hash(b)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 2$$),
    ARRAY['broken_link|2|-', 'broken_link|3|-'], 'a rewritten prev_hash (block re-hashed): broken_link');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$ALTER TABLE erp.erp_audit_seals DISABLE TRIGGER ALL;
    UPDATE erp.erp_audit_seals SET prev_hash = repeat('1', 64)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 2;
    UPDATE erp.erp_audit_seals AS b SET hash = erp._audit_block_hash(b)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 2;
    UPDATE erp.erp_audit_seals SET prev_hash = pg_temp.block_hash('a0000000-0000-4000-8000-00000000000a', 2)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 3;
    UPDATE erp.erp_audit_seals AS b SET hash = erp._audit_block_hash(b)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no = 3$$),
    ARRAY['broken_link|2|-', 'head_mismatch|3|-'], 'the chain re-linked and re-hashed from block 2 on: the head disagrees');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$UPDATE erp.erp_audit_seal_heads SET hash = repeat('e', 64)
    WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a'$$),
    ARRAY['head_mismatch|3|-'], 'a rewritten head hash: head_mismatch');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$UPDATE erp.erp_audit_seal_heads SET events = 9 WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a'$$),
    ARRAY['head_mismatch|3|-'], 'a rewritten head event count: head_mismatch');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$DELETE FROM erp.erp_audit_seal_heads WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a'$$),
    ARRAY['head_mismatch|-|-'], 'a deleted head: head_mismatch, and the blocks'' events are still checked');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a', format(
    $$ALTER TABLE erp.erp_audit_seals DISABLE TRIGGER ALL;
    DELETE FROM erp.erp_audit_seal_heads WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a';
    ALTER TABLE %s DISABLE TRIGGER ALL; DELETE FROM erp.erp_audit_events WHERE id = %L$$,
    pg_temp.part(pg_temp.ev(10)), pg_temp.ev(10))),
    ARRAY['deleted_event|3|' || pg_temp.ev(10), 'head_mismatch|-|-'],
    'a deleted head does not hide a deleted event of the last block');
SELECT is(pg_temp.tampered('a0000000-0000-4000-8000-00000000000a',
    $$ALTER TABLE erp.erp_audit_seals DISABLE TRIGGER ALL;
    DELETE FROM erp.erp_audit_seals WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND block_no > 1;
    UPDATE erp.erp_audit_seal_heads AS h SET block_no = b.block_no, hash = b.hash, through_xact = b.through_xact,
        through_id = b.through_id, events = b.events
    FROM erp.erp_audit_seals AS b
    WHERE h.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND b.tenant_id = h.tenant_id AND b.block_no = 1$$,
    $$SELECT h.block_no || ':' || h.hash FROM erp.audit_seal_head('a0000000-0000-4000-8000-00000000000a') AS h$$),
    ARRAY['probe=1:' || pg_temp.block_hash('a0000000-0000-4000-8000-00000000000a', 1)],
    'the tail cut off with a rewound head verifies clean: only the head handed out earlier (3:...) tells');
SELECT is(pg_temp.problems('a0000000-0000-4000-8000-00000000000a'), '{}'::text[],
    'every tamper was undone: the trail verifies clean again');

SELECT * FROM finish();
ROLLBACK;
