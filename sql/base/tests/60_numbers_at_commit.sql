-- Numbers at commit (erp.sequence_next_at_commit) on a module author's document entity.
-- * The entity is created the way docs/design.md "Numbers at commit" shows: a table with tenant-first
--   keys and the standard columns plus "number text", RLS, a row in erp_meta.entity_types and
--   erp_meta.regenerate_writers() (all inside this test's transaction, so the ROLLBACK removes it).
-- * How the commit is simulated: pgTAP runs the whole file in one transaction that is rolled
--   back, so COMMIT never happens. The requests are served by a deferred constraint trigger;
--   `SET CONSTRAINTS ALL IMMEDIATE` fires the pending deferred trigger events at that point,
--   exactly as COMMIT would (same trigger, same function, same order), and a failure there is
--   what would fail the COMMIT. After each serve the file sets the constraints back to DEFERRED
--   so that later requests stay queued until the next simulated commit. That a real COMMIT
--   serves the requests, that a rollback allocates nothing and that the counter row is locked
--   only during the commit are tested across connections in
--   tests/base/test_numbers_at_commit.py.
-- * A log table filled by a trigger on the document table records the order in which numbers
--   are written: requests are served in (sequence, period, request) order.
-- * Every refusal at request is checked with pg_temp.refused: the SQLSTATE, then "nothing
--   written" (no request queued, no counter, no event: the fingerprint of every table).
BEGIN;
\ir include/core_helpers.sql
SELECT plan(73);

-- ---- the module author's document entity (as the owner, like a module's migration) -----------
\ir include/documents_entity.sql

-- the order in which numbers are written into documents (test instrumentation)
CREATE TABLE erp.erp_test_number_log (
    n bigint GENERATED ALWAYS AS IDENTITY, document_id uuid NOT NULL, number text NOT NULL
);
CREATE FUNCTION erp.erp_test_log_number() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    INSERT INTO erp.erp_test_number_log (document_id, number) VALUES (new.id, new.number);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER erp_test_log_number AFTER UPDATE ON erp.erp_documents
FOR EACH ROW WHEN (old.number IS DISTINCT FROM new.number) EXECUTE FUNCTION erp.erp_test_log_number();
RESET ROLE;

-- ---- helpers (pg_temp: the ROLLBACK removes them) ---------------------------------------------------
CREATE FUNCTION pg_temp.doc(p_n integer) RETURNS uuid
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT ('0d000000-0000-4000-8000-' || lpad(p_n::text, 12, '0'))::uuid
$fn$;

-- a document row of tenant A (or p_tenant_id) through the generic writer
CREATE FUNCTION pg_temp.new_doc(p_n integer, p_tenant_id uuid DEFAULT 'a0000000-0000-4000-8000-00000000000a')
RETURNS uuid
LANGUAGE sql
AS $fn$
    SELECT (erp.atomic_insert_with_audit(p_tenant_id, NULL, 'SYSTEM', 'nac-test', 'test.documents',
        jsonb_build_object('id', pg_temp.doc(p_n), 'partner', 'ACME ' || p_n)) ->> 'id')::uuid
$fn$;

-- the SQL of one request of tenant A for document n
CREATE FUNCTION pg_temp.ask_sql(p_n integer, p_code text, p_date text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT format($s$SELECT erp.sequence_next_at_commit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
        'nac-test', %L, 'test.documents', %L, %L)$s$, p_code, pg_temp.doc(p_n), p_date)
$fn$;

CREATE FUNCTION pg_temp.ask(p_n integer, p_code text, p_date text) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    EXECUTE pg_temp.ask_sql(p_n, p_code, p_date);
END
$fn$;

CREATE FUNCTION pg_temp.number(p_n integer) RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT d.number FROM erp.erp_documents AS d WHERE d.id = pg_temp.doc(p_n)
$fn$;

CREATE FUNCTION pg_temp.seq_id(p_code text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT s.id FROM erp.erp_sequences AS s
    WHERE s.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND s.code = p_code
$fn$;

-- next_value of a counter (NULL when the period has none)
CREATE FUNCTION pg_temp.counter(p_code text, p_period text) RETURNS bigint
LANGUAGE sql STABLE
AS $fn$
    SELECT c.next_value FROM erp.erp_sequence_counters AS c
    WHERE c.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND c.sequence_id = pg_temp.seq_id(p_code)
        AND c.period_key = p_period
$fn$;

CREATE FUNCTION pg_temp.queued() RETURNS bigint
LANGUAGE sql STABLE
AS $fn$
    SELECT count(*) FROM erp.erp_number_requests AS r
$fn$;

-- a request made in a subtransaction that then rolls back; returns the queue length inside it
CREATE FUNCTION pg_temp.ask_rolled_back(p_n integer, p_code text, p_date text) RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_queued bigint;
BEGIN
    BEGIN
        PERFORM pg_temp.ask(p_n, p_code, p_date);
        v_queued := pg_temp.queued();
        RAISE EXCEPTION 'roll back' USING ERRCODE = 'ZX999';
    EXCEPTION WHEN SQLSTATE 'ZX999' THEN
        RETURN v_queued;
    END;
END
$fn$;

-- allocation events for a document
CREATE FUNCTION pg_temp.allocations(p_n integer) RETURNS bigint
LANGUAGE sql STABLE
AS $fn$
    SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.event_type = 'erp.base.sequence.allocated' AND e.payload ->> 'document_id' = pg_temp.doc(p_n)::text
$fn$;

-- ---- setup: tenants, sequences ---------------------------------------------------------------------------
SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'Acme', 'UTC');
SELECT erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'setup', 'Other', 'UTC');
SELECT erp.sequence_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'INV', 'Invoices',
    p_prefix => 'INV/{YYYY}/', p_reset => 'yearly');
SELECT erp.sequence_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'CRN', 'Credit notes',
    p_prefix => 'CRN/{YYYY}/', p_reset => 'yearly');
SELECT erp.sequence_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'OLD', 'Old series');
SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup',
    'erp.base.sequence', pg_temp.seq_id('OLD'), NULL, NULL, 'archived');

-- ---- one request, served at (simulated) commit ---------------------------------------------------------------
SELECT is(pg_temp.new_doc(1), pg_temp.doc(1), 'document 1 written through the generic writer');
SELECT lives_ok(pg_temp.ask_sql(1, 'INV', '2025-03-15'), 'a number at commit is requested for it');
SELECT is(
    (SELECT r.entity_type || ' ' || r.period_key || ' ' || r.document_date || ' ' || (r.xact_id = pg_current_xact_id())
    FROM erp.erp_number_requests AS r WHERE r.entity_id = pg_temp.doc(1)),
    'test.documents 2025 2025-03-15 true', 'the request is queued with its period and date, for this transaction');
SELECT is(pg_temp.number(1), NULL, 'before the commit the row has no number ...');
SELECT is(pg_temp.counter('INV', '2025'), NULL, '... and nothing is allocated (no counter row)');
SELECT is(pg_temp.allocations(1), 0::bigint, '... and no allocation event');

SET CONSTRAINTS ALL IMMEDIATE;  -- the commit: the deferred trigger serves the requests
SET CONSTRAINTS ALL DEFERRED;

SELECT is(pg_temp.number(1), 'INV/2025/00001', 'at commit the row gets the first number of the period');
SELECT is(
    (SELECT d.version FROM erp.erp_documents AS d WHERE d.id = pg_temp.doc(1)), 2::bigint,
    'the numbering is a write: version 1 -> 2');
SELECT is(
    (SELECT jsonb_build_object('entity_id', e.entity_id, 'version', e.entity_version) || e.payload
    FROM erp.erp_audit_events AS e
    WHERE e.event_type = 'erp.base.sequence.allocated' AND e.payload ->> 'document_id' = pg_temp.doc(1)::text),
    jsonb_build_object('entity_id', pg_temp.seq_id('INV'), 'version', NULL, 'allocated_value', 1,
        'formatted', 'INV/2025/00001', 'period_key', '2025', 'document_date', '2025-03-15', 'code', 'INV',
        'document_type', 'test.documents', 'document_id', pg_temp.doc(1)),
    'one allocation event of the sequence, naming the document');
SELECT is(
    (SELECT array_agg(concat_ws(' ', e.event_type, e.entity_version, e.changes, e.actor_type, e.trace_id,
        e.payload ->> 'number', e.payload ->> 'version') ORDER BY e.entity_version)
    FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.doc(1)),
    ARRAY['test.documents.created 1 SYSTEM nac-test 1',
        'test.documents.numbered 2 {"number": {"new": "INV/2025/00001", "old": null}} SYSTEM nac-test INV/2025/00001 2'],
    'the document''s events: created, then numbered with changes {"number": {"old": null, "new": ...}}');
SELECT is(pg_temp.queued(), 0::bigint, 'a served request is gone from the queue');

-- ---- several requests in one transaction: (sequence, period, request) order -----------------------------------
SELECT is(
    (SELECT count(*) FROM generate_series(2, 7) AS g (n) WHERE pg_temp.new_doc(g.n) IS NOT NULL), 6::bigint,
    'documents 2-7');
SELECT pg_temp.ask(2, 'CRN', '2025-05-01');
SELECT pg_temp.ask(3, 'INV', '2026-01-02');
SELECT pg_temp.ask(4, 'INV', '2025-12-31');
SELECT pg_temp.ask(5, 'CRN', '2025-01-01');
SELECT pg_temp.ask(6, 'INV', '2025-06-30');
SELECT pg_temp.ask(7, 'INV', '2026-07-01');
SELECT is(pg_temp.queued(), 6::bigint, 'six requests queued');
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is(
    (SELECT array_agg(pg_temp.number(g.n) ORDER BY g.n) FROM generate_series(2, 7) AS g (n)),
    ARRAY['CRN/2025/00001', 'INV/2026/00001', 'INV/2025/00002', 'CRN/2025/00002', 'INV/2025/00003', 'INV/2026/00002'],
    'within a series, numbers follow request order');
SELECT is(
    (SELECT array_agg(l.document_id ORDER BY l.n) FROM erp.erp_test_number_log AS l
    WHERE l.document_id <> pg_temp.doc(1)),
    (SELECT array_agg(pg_temp.doc(r.n) ORDER BY pg_temp.seq_id(r.code), r.period, r.n)
    FROM (VALUES (2, 'CRN', '2025'), (3, 'INV', '2026'), (4, 'INV', '2025'), (5, 'CRN', '2025'), (6, 'INV', '2025'),
        (7, 'INV', '2026')) AS r (n, code, period)),
    'the requests are served sorted by (sequence, period, request)');
SELECT is(pg_temp.queued(), 0::bigint, 'all served');

-- ---- a rolled-back request allocates nothing ------------------------------------------------------------------------
SELECT is(pg_temp.new_doc(13), pg_temp.doc(13), 'document 13');
SELECT is(pg_temp.ask_rolled_back(13, 'INV', '2025-03-15'), 1::bigint,
    'a request made in a subtransaction is queued there ...');
SELECT is(pg_temp.queued(), 0::bigint, '... and leaves the queue when the subtransaction rolls back');
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is(coalesce(pg_temp.number(13), '-') || '/' || pg_temp.allocations(13), '-/0',
    'and the commit numbers nothing: no number, no allocation');
SELECT is(pg_temp.counter('INV', '2025'), 4::bigint, 'the counter is where it was (next 4)');

-- ---- refusals at request: SQLSTATE, nothing queued, nothing allocated ------------------------------------------------
SELECT is(pg_temp.new_doc(20), pg_temp.doc(20), 'document 20');
SELECT is(pg_temp.new_doc(21, 'b0000000-0000-4000-8000-00000000000b'), pg_temp.doc(21), 'document 21 of tenant B');
SELECT * FROM pg_temp.refused(pg_temp.ask_sql(20, 'NOPE', '2025-03-15'), 'ZE001', 'an unknown sequence');
SELECT * FROM pg_temp.refused(pg_temp.ask_sql(20, 'OLD', '2025-03-15'), 'ZE009', 'an archived sequence');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_at_commit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'INV',
        'erp.base.uom', '0d000000-0000-4000-8000-000000000020')$$,
    'ZE003', 'an entity type without a number column');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_at_commit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'INV',
        'test.nothing', '0d000000-0000-4000-8000-000000000020')$$,
    'ZE003', 'an unknown entity type');
SELECT * FROM pg_temp.refused(pg_temp.ask_sql(99, 'INV', '2025-03-15'), 'ZE001', 'a missing document row');
SELECT * FROM pg_temp.refused(pg_temp.ask_sql(21, 'INV', '2025-03-15'), 'ZE001',
    'another tenant''s document row (as if missing)');
SELECT * FROM pg_temp.refused(pg_temp.ask_sql(1, 'INV', '2025-03-15'), 'ZE009', 'an already numbered row');
SELECT lives_ok(pg_temp.ask_sql(20, 'INV', '2025-03-15'), 'a first request for document 20');
SELECT * FROM pg_temp.refused(pg_temp.ask_sql(20, 'CRN', '2025-03-15'), 'ZE009',
    'a second request for the same row in the transaction');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_at_commit('a0000000-0000-4000-8000-00000000000a', NULL, 'USER', 't', 'INV',
        'test.documents', '0d000000-0000-4000-8000-000000000013')$$,
    'ZE008', 'a USER actor without a user id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_at_commit('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM', 't', 'INV',
        'test.documents', '0d000000-0000-4000-8000-000000000013')$$,
    'ZE006', 'an unknown tenant');

-- ---- who may request: erp_app and erp_admin, not erp_auditor; the commit serves as whoever commits ----------------------
SELECT is(ARRAY[pg_temp.new_doc(22), pg_temp.new_doc(23)], ARRAY[pg_temp.doc(22), pg_temp.doc(23)], 'documents 22, 23');
SELECT pg_temp.lives_as('erp_app', pg_temp.ask_sql(22, 'INV', '2025-03-15'), 'erp_app may request a number');
SELECT pg_temp.lives_as('erp_admin', pg_temp.ask_sql(23, 'INV', '2025-03-15'), 'erp_admin may request a number');
SELECT * FROM pg_temp.refused_as('erp_auditor', pg_temp.ask_sql(13, 'INV', '2025-03-15'), '42501',
    'erp_auditor may not request a number');
SET LOCAL ROLE erp_app;
SET CONSTRAINTS ALL IMMEDIATE;  -- erp_app commits: the trigger function is a definer function
SET CONSTRAINTS ALL DEFERRED;
RESET ROLE;
SELECT is(ARRAY[pg_temp.number(20), pg_temp.number(22), pg_temp.number(23)],
    ARRAY['INV/2025/00004', 'INV/2025/00005', 'INV/2025/00006'],
    'a commit by erp_app serves the queued requests in request order');
SELECT is(pg_temp.queued(), 0::bigint, 'nothing left in the queue');

-- ---- refusals at commit: the transaction fails, nothing is allocated ----------------------------------------------------
SELECT is(pg_temp.new_doc(30), pg_temp.doc(30), 'document 30');
SELECT lives_ok(pg_temp.ask_sql(30, 'INV', '2025-03-15'), 'a number at commit is requested for document 30');
SELECT is((erp._documents_number('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'manual', pg_temp.doc(30),
    'MANUAL-1')).number, 'MANUAL-1', 'then the row is numbered by hand in the same transaction');
SELECT throws_ok('SET CONSTRAINTS ALL IMMEDIATE', 'ZE009', NULL,
    'the commit fails: the row got a number after the request');
SELECT is(pg_temp.counter('INV', '2025'), 7::bigint, 'the counter is unchanged (next 7) ...');
SELECT is(pg_temp.allocations(30), 0::bigint, '... no allocation event ...');
SELECT is(pg_temp.number(30), 'MANUAL-1', '... and the row keeps the number it was given');
DELETE FROM erp.erp_number_requests;  -- (as superuser) drop the failed request: as if that transaction ended

SELECT is(pg_temp.new_doc(31), pg_temp.doc(31), 'document 31');
SELECT lives_ok(pg_temp.ask_sql(31, 'CRN', '2025-03-15'), 'a number at commit is requested for document 31');
SELECT lives_ok($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'erp.base.sequence', pg_temp.seq_id('CRN'), NULL, NULL, 'archived')$$, 'then its sequence is archived');
SELECT throws_ok('SET CONSTRAINTS ALL IMMEDIATE', 'ZE009', NULL,
    'the commit fails: the sequence was archived after the request');
SELECT is(pg_temp.counter('CRN', '2025') || '/' || pg_temp.allocations(31) || '/' || coalesce(pg_temp.number(31), '-'),
    '3/0/-', 'nothing allocated, the row unnumbered');
DELETE FROM erp.erp_number_requests;


-- ---- the entity's own verbs (erp_meta.entity_types.verbs: test.documents declares posted) ------
SELECT pg_temp.new_doc(90);
SELECT is(erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'verbs',
    'test.documents', pg_temp.doc(90), '{"total": 7}', NULL, 'posted') ->> 'total', '7',
    'a declared verb applies its patch through the generic writer');
SELECT is((SELECT event_type || ' ' || (changes -> 'total' ->> 'new') FROM erp.erp_audit_events
    WHERE entity_id = pg_temp.doc(90) AND entity_version = 2), 'test.documents.posted 7',
    'and its event has the verb and the changes');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'test.documents', %L, '{"total": 8}', NULL, 'confirmed')$$, pg_temp.doc(90)),
    'ZE003', 'a verb the entity does not declare is refused by the generic writer');
SELECT pg_temp.refused(format($$SELECT erp._documents_write('a0000000-0000-4000-8000-00000000000a', NULL,
    'SYSTEM', NULL, d, d, 'confirmed')
    FROM erp.erp_documents AS d WHERE d.id = %L$$, pg_temp.doc(90)),
    'ZE003', 'and by the generated writer');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "X"}', NULL, 'posted')$$, pg_temp.seq_id('CRN')),
    'ZE003', 'a verb of another entity type is refused');
SET LOCAL ROLE erp_owner;
SELECT throws_ok($$UPDATE erp_meta.entity_types SET verbs = '{updated}' WHERE entity_type = 'test.documents'$$,
    '23514', NULL, 'the registry refuses a standard verb declared again');
RESET ROLE;

SELECT is(
    (SELECT count(*) FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')), 0::bigint,
    'audit_verify is clean afterwards (documents, sequences and counters agree with their events)');

SELECT * FROM finish();
ROLLBACK;
