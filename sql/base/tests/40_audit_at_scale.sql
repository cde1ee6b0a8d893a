-- The audit trail at scale: partitions, maintenance, digests, archive records and purge.
-- * Every partition (those of the migration, those audit_maintain creates, the default one it
--   re-creates) is as protected as the parent: ZE007 triggers ENABLE ALWAYS (row trigger for
--   UPDATE/DELETE, TRUNCATE trigger), RLS enabled and forced with the owner's policy, owned
--   by erp_owner, nothing granted to the application roles; UPDATE/DELETE/TRUNCATE on each
--   partition directly raise ZE007 for a superuser, also with session_replication_role =
--   replica.
-- * audit_maintain drains the default partition, is idempotent and creates months through
--   p_months_ahead; db_user and xact_id come from the database.
-- * audit_month_digest/_export, audit_archive_record and every refusal of audit_purge, each
--   with nothing written and nothing dropped; roles; audit_partitions.
-- Everything runs in one transaction, so events this file writes through the public functions
-- are never sealable (their transaction is open); the old events are inserted as the
-- superuser with an explicit, long-past xact_id, so they can be sealed.
-- Concurrency, kill and CLI behaviour: tests/base/test_audit_maintenance.py and
-- test_audit_archive.py.
BEGIN;
\ir include/core_helpers.sql
SET LOCAL client_min_messages = warning;  -- the NOTICEs of partition maintenance

-- ---- helpers ----------------------------------------------------------------------------
-- An event at p_at, inserted directly (superuser) with the given transaction id (default: a
-- long-past one, so that erp.audit_seal may seal it inside this test's transaction).
CREATE FUNCTION pg_temp.old_event(p_tenant_id uuid, p_at timestamptz, p_xact xid8 DEFAULT '100')
RETURNS uuid
LANGUAGE sql
AS $fn$
    INSERT INTO erp.erp_audit_events (
        tenant_id, id, actor_type, entity_type, entity_id, event_type, payload, created_at, xact_id
    )
    VALUES (
        p_tenant_id, erp._uuid_v7_at(p_at), 'SYSTEM', 'erp.base.legacy_note', gen_random_uuid(),
        'erp.base.legacy_note.noted', jsonb_build_object('at', p_at), p_at, p_xact
    )
    RETURNING id
$fn$;

-- The partition name of a month.
CREATE FUNCTION pg_temp.part(p_month date) RETURNS text
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT 'erp.erp_audit_events_p' || to_char(p_month, 'YYYY_MM')
$fn$;

-- The month two months before the current one (UTC): inside any retention period.
CREATE FUNCTION pg_temp.recent() RETURNS date
LANGUAGE sql STABLE
AS $fn$
    SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '2 months')::date
$fn$;

-- The month digest computed here, by the formula of docs/design.md ("One canonical form"), selecting the month by
-- erp._audit_month rather than by id bounds (SECURITY DEFINER: usable while a role is set).
CREATE FUNCTION pg_temp.digest_of(p_month date) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_h text := repeat('0', 64);
    v_line text;
BEGIN
    FOR v_line IN
        SELECT erp._audit_canonical(e) FROM erp.erp_audit_events AS e
        WHERE erp._audit_month(e.id) = p_month ORDER BY e.id
    LOOP
        v_h := encode(sha256(convert_to(v_h || encode(sha256(convert_to(v_line, 'UTF8')), 'hex'), 'UTF8')), 'hex');
    END LOOP;
    RETURN v_h;
END
$fn$;

-- The partitions of the trail.
CREATE FUNCTION pg_temp.partitions() RETURNS TABLE (part regclass)
LANGUAGE sql STABLE
AS $fn$
    SELECT i.inhrelid::regclass FROM pg_inherits AS i WHERE i.inhparent = 'erp.erp_audit_events'::regclass
$fn$;

-- ---- setup: two tenants, old events in the default partition, a first maintenance ----------
-- 2015-03: archived and sealed (purgeable); 2015-04: sealed, never archived; 2015-05: changes
-- after its archive; 2015-06: written by this transaction (unsealable); recent: in retention
DO $setup$
BEGIN
    PERFORM erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'Alpha');
    PERFORM erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'Beta');
    PERFORM pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', '2015-03-02 10:00:00+00');
    PERFORM pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', '2015-03-31 23:59:59.999999+00');
    PERFORM pg_temp.old_event('b0000000-0000-4000-8000-00000000000b', '2015-03-15 12:00:00+00');
    PERFORM pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', '2015-04-01 00:00:00+00');
    PERFORM pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', '2015-05-10 00:00:00+00');
    PERFORM pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', '2015-06-10 00:00:00+00', pg_current_xact_id());
    PERFORM pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', pg_temp.recent() + interval '3 days');
END
$setup$;

CREATE TEMP TABLE default_before ON COMMIT DROP AS
SELECT count(*) AS n FROM erp.erp_audit_events_default;
CREATE TEMP TABLE first_run ON COMMIT DROP AS
SELECT m.partition, m.action FROM erp.audit_maintain() AS m;
-- an event in a month without a partition: the re-created default partition holds it
CREATE TEMP TABLE late ON COMMIT DROP AS
SELECT pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', '2013-01-15 00:00:00+00') AS id;

-- UPDATE and DELETE on every partition that has rows (row triggers need a row), TRUNCATE on all
CREATE TEMP TABLE matrix ON COMMIT DROP AS
WITH parts AS (
    SELECT p.part, (SELECT count(*) FROM erp.erp_audit_events AS e WHERE e.tableoid = p.part) AS n
    FROM pg_temp.partitions() AS p
)

SELECT p.part, o.op, format(o.stmt, p.part) AS stmt
FROM parts AS p
CROSS JOIN (VALUES
    ('UPDATE', 'UPDATE %s SET trace_id = ''forged'''),
    ('DELETE', 'DELETE FROM %s'),
    ('TRUNCATE', 'TRUNCATE %s')) AS o (op, stmt)
WHERE p.n > 0 OR o.op = 'TRUNCATE';

SELECT plan(119 + 2 * (SELECT count(*)::integer FROM matrix));

-- ---- audit_maintain ---------------------------------------------------------------------
SELECT is((SELECT n FROM default_before), 7::bigint, 'events of months without a partition land in the default partition');
SELECT set_eq(
    'SELECT partition, action FROM first_run',
    format($$VALUES ('erp.erp_audit_events_p2015_03', 'created'), ('erp.erp_audit_events_p2015_04', 'created'),
        ('erp.erp_audit_events_p2015_05', 'created'), ('erp.erp_audit_events_p2015_06', 'created'),
        (%L, 'created'), ('erp.erp_audit_events_default', 'drained (7 events moved)')$$, pg_temp.part(pg_temp.recent())),
    'audit_maintain creates the months of the default partition''s events and drains it'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.tableoid::regclass::text = pg_temp.part(erp._audit_month(e.id)) AND e.xact_id = '100'),
    6::bigint, 'each drained event is in its month''s partition, its xact_id kept'
);
SELECT ok(
    (SELECT count(*) = 4 FROM pg_temp.partitions() AS p
    WHERE p.part::text IN (SELECT pg_temp.part((date_trunc('month', now() AT TIME ZONE 'UTC')
        + make_interval(months => g))::date) FROM generate_series(0, 3) AS g)),
    'the migration made the current month and three ahead'
);

-- the matrix: a superuser, then replica mode
SELECT throws_ok(m.stmt, 'ZE007', NULL, format('superuser: %s on %s raises ZE007', m.op, m.part))
FROM matrix AS m ORDER BY m.part::text, m.op;
SET LOCAL session_replication_role = replica;
SELECT throws_ok(m.stmt, 'ZE007', NULL, format('replica mode: %s on %s raises ZE007', m.op, m.part))
FROM matrix AS m ORDER BY m.part::text, m.op;
RESET session_replication_role;
SELECT ok((SELECT count(*) >= 20 FROM matrix), 'the matrix covers every partition');

SELECT set_eq(
    'SELECT partition, action FROM erp.audit_maintain()',
    $$VALUES ('erp.erp_audit_events_p2013_01', 'created'), ('erp.erp_audit_events_default', 'drained (1 events moved)')$$,
    'a second run drains what the re-created default partition received'
);
SELECT is_empty('SELECT * FROM erp.audit_maintain()', 'audit_maintain is idempotent: nothing to do');
SELECT set_eq(
    'SELECT partition, action FROM erp.audit_maintain(6)',
    $$SELECT pg_temp.part((date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => g))::date), 'created'
    FROM generate_series(4, 6) AS g$$,
    'audit_maintain(6) creates the months four to six ahead'
);
SELECT is(
    (SELECT count(*) FROM generate_series(0, 6) AS g
    WHERE to_regclass(pg_temp.part((date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => g))::date))
        IS NOT NULL),
    7::bigint, 'partitions exist from the current month through p_months_ahead'
);
SELECT is_empty('SELECT * FROM erp.audit_maintain(0)', 'audit_maintain(0) finds nothing to do');
SELECT pg_temp.refused('SELECT * FROM erp.audit_maintain(NULL)', 'ZE003', 'p_months_ahead NULL');
SELECT pg_temp.refused('SELECT * FROM erp.audit_maintain(-1)', 'ZE003', 'p_months_ahead -1');
SELECT pg_temp.refused('SELECT * FROM erp.audit_maintain(121)', 'ZE003', 'p_months_ahead 121');
SELECT pg_temp.refused('SELECT * FROM erp.audit_maintain(9223372036854775807)', 'ZE003', 'p_months_ahead bigint max');

-- ---- every partition is protected like the parent ------------------------------------------
SELECT is((SELECT count(*) FROM pg_temp.partitions()), 14::bigint,
    '14 partitions: 2015-03 to 2015-06, the recent month, 2013-01, 7 ahead (current included), the default');
SELECT is_empty(
    $$SELECT p.part FROM pg_temp.partitions() AS p WHERE NOT EXISTS (
        SELECT 1 FROM pg_trigger AS t
        WHERE t.tgrelid = p.part AND t.tgfoid = 'erp._audit_reject_change()'::regprocedure AND t.tgenabled = 'A'
            AND t.tgtype::integer & 1 = 1 AND t.tgtype::integer & 8 = 8 AND t.tgtype::integer & 16 = 16)$$,
    'every partition has the row trigger for UPDATE and DELETE, ENABLE ALWAYS'
);
SELECT is_empty(
    $$SELECT p.part FROM pg_temp.partitions() AS p WHERE NOT EXISTS (
        SELECT 1 FROM pg_trigger AS t
        WHERE t.tgrelid = p.part AND t.tgfoid = 'erp._audit_reject_change()'::regprocedure AND t.tgenabled = 'A'
            AND t.tgtype::integer & 32 = 32)$$,
    'every partition has the TRUNCATE trigger, ENABLE ALWAYS'
);
SELECT is_empty(
    $$SELECT p.part FROM pg_temp.partitions() AS p INNER JOIN pg_class AS c ON c.oid = p.part
    WHERE NOT (c.relrowsecurity AND c.relforcerowsecurity)$$,
    'every partition has row-level security enabled and forced'
);
SELECT is_empty(
    $$SELECT p.part FROM pg_temp.partitions() AS p WHERE NOT EXISTS (
        SELECT 1 FROM pg_policy AS pol WHERE pol.polrelid = p.part AND 'erp_owner'::regrole = ANY (pol.polroles))$$,
    'every partition has the owner''s policy'
);
SELECT is_empty(
    $$SELECT p.part FROM pg_temp.partitions() AS p INNER JOIN pg_class AS c ON c.oid = p.part
    WHERE c.relowner <> 'erp_owner'::regrole$$,
    'every partition is owned by erp_owner'
);
SELECT is_empty(
    $$SELECT p.part, r.role FROM pg_temp.partitions() AS p
    CROSS JOIN (VALUES ('erp_app'), ('erp_auditor'), ('erp_admin')) AS r (role)
    WHERE has_table_privilege(r.role, p.part, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')$$,
    'no partition grants anything to erp_app, erp_auditor or erp_admin'
);
SELECT throws_ok('TRUNCATE erp.erp_audit_events_default', 'ZE007', NULL,
    'the default partition re-created by the drain refuses TRUNCATE');
INSERT INTO late SELECT pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', '2012-06-01 00:00:00+00');
SELECT throws_ok('DELETE FROM erp.erp_audit_events_default', 'ZE007', NULL,
    'the default partition re-created by the drain refuses DELETE');
SELECT throws_ok($$UPDATE erp.erp_audit_events_p2013_01 SET payload = '{}'$$, 'ZE007', NULL,
    'a partition made by a later drain refuses UPDATE');
SELECT set_eq('SELECT partition, action FROM erp.audit_maintain()',
    $$VALUES ('erp.erp_audit_events_p2012_06', 'created'), ('erp.erp_audit_events_default', 'drained (1 events moved)')$$,
    'the 2012-06 event is moved too');

-- ---- db_user and xact_id come from the database ---------------------------------------------
SELECT pg_temp.lives_as('erp_app',
    $$SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'app', 'W', 'Weight')$$,
    'erp_app writes a category');
SELECT lives_ok(
    $$SELECT erp.uom_category_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'su', 'W', 'Weight')$$,
    'the superuser writes a category');
SELECT is(
    (SELECT array_agg(e.db_user || ' ' || (e.xact_id = pg_current_xact_id())::text ORDER BY e.tenant_id)
    FROM erp.erp_audit_events AS e WHERE e.entity_type = 'erp.base.uom_category'),
    ARRAY[session_user || ' true', session_user || ' true'],
    'an event written by a public function has db_user = session_user (the login, whatever the role) '
    'and xact_id = pg_current_xact_id() of its transaction'
);
SELECT is(
    (SELECT count(DISTINCT e.xact_id) FROM erp.erp_audit_events AS e
    WHERE e.id >= erp._audit_bound((now() AT TIME ZONE 'UTC')::date)),
    1::bigint, 'all events this transaction wrote share one xact_id'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.id >= erp._audit_bound((now() AT TIME ZONE 'UTC')::date)),
    4::bigint, '(two tenants and two categories)'
);

-- ---- digest and export ----------------------------------------------------------------------
SELECT results_eq('SELECT events, sha256 FROM erp.audit_month_digest(''1999-01-01'')',
    $$VALUES (0::bigint, repeat('0', 64))$$, 'the digest of an empty month is (0, 64 zeros)');
SELECT results_eq('SELECT events, sha256 FROM erp.audit_month_digest(''2015-03-01'')',
    $$VALUES (3::bigint, pg_temp.digest_of('2015-03-01'))$$,
    'the digest of 2015-03 equals the running SHA-256 computed here');
SELECT results_eq('SELECT sha256 FROM erp.audit_month_digest(''2015-04-20'')',
    $$SELECT encode(sha256(convert_to(repeat('0', 64)
        || encode(sha256(convert_to(erp._audit_canonical(e), 'UTF8')), 'hex'), 'UTF8')), 'hex')
    FROM erp.erp_audit_events AS e WHERE erp._audit_month(e.id) = '2015-04-01'$$,
    'one event: sha256(64 zeros || sha256 hex of its line); any day names its month');
SELECT is((SELECT count(*) FROM erp.audit_month_export('2015-03-01')), 3::bigint,
    'audit_month_export returns one line per event');
SELECT results_eq('SELECT erp.audit_month_export(''2015-03-01'')',
    $$SELECT erp._audit_canonical(e) FROM erp.erp_audit_events AS e
    WHERE erp._audit_month(e.id) = '2015-03-01' ORDER BY e.id$$,
    'the export is the canonical lines in id order');
SELECT is_empty('SELECT erp.audit_month_export(''1999-01-01'')', 'an empty month exports nothing');
SELECT pg_temp.refused('SELECT * FROM erp.audit_month_digest(NULL)', 'ZE003', 'audit_month_digest(NULL)');
SELECT pg_temp.refused('SELECT erp.audit_month_export(NULL)', 'ZE003', 'audit_month_export(NULL)');

-- ---- seal the long-past events --------------------------------------------------------------
SELECT is((SELECT sum(s.events) FROM erp.audit_seal() AS s), 8::numeric,
    'the eight long-past events are sealed (this transaction''s own are not)');

-- ---- audit_archive_record -------------------------------------------------------------------
CREATE TEMP TABLE d ON COMMIT DROP AS
SELECT m.month, x.events, x.sha256
FROM (VALUES ('2015-03-01'::date), ('2015-05-01'), ('2015-06-01'), (pg_temp.recent())) AS m (month)
CROSS JOIN LATERAL erp.audit_month_digest(m.month) AS x;

SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', '2015-03-01', 3, upper(pg_temp.digest_of('2015-03-01')), '/b/x')$$,
    'ZE003', 'archive_record: an upper-case sha256');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', '2015-03-01', 3, 'abc', '/b/x')$$,
    'ZE003', 'archive_record: a short sha256');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', '2015-03-01', 3, NULL, '/b/x')$$,
    'ZE003', 'archive_record: no sha256');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', '2015-03-01', 3, pg_temp.digest_of('2015-03-01'), ' ')$$,
    'ZE003', 'archive_record: an empty location');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', '2015-03-01', 3, pg_temp.digest_of('2015-03-01'), NULL)$$,
    'ZE003', 'archive_record: no location');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', NULL, 3, pg_temp.digest_of('2015-03-01'), '/b/x')$$,
    'ZE003', 'archive_record: no month');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', '2015-03-01', 3, repeat('a', 64), '/b/x')$$,
    'ZE009', 'archive_record: a digest that is not the month''s');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', '2015-03-01', 2, pg_temp.digest_of('2015-03-01'), '/b/x')$$,
    'ZE009', 'archive_record: an event count that is not the month''s');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'ROBOT', 't', '2015-03-01', 3, pg_temp.digest_of('2015-03-01'), '/b/x')$$,
    'ZE008', 'archive_record: an unknown actor type');
SELECT pg_temp.refused(
    $$SELECT erp.audit_archive_record(NULL, 'USER', 't', '2015-03-01', 3, pg_temp.digest_of('2015-03-01'), '/b/x')$$,
    'ZE008', 'archive_record: USER without a user id');

SELECT results_eq(
    $$SELECT a.month, a.events, a.sha256, a.location, a.actor_type, a.trace_id
    FROM erp.audit_archive_record(NULL, 'SYSTEM', 'archive 2015-03', '2015-03-01', 3,
        pg_temp.digest_of('2015-03-01'), '/backup/erp-audit-2015-03.jsonl.gz') AS a$$,
    $$VALUES ('2015-03-01'::date, 3::bigint, pg_temp.digest_of('2015-03-01'), '/backup/erp-audit-2015-03.jsonl.gz',
        'SYSTEM', 'archive 2015-03')$$,
    'archive_record records a matching export and returns it'
);
SELECT set_eq(
    $$SELECT e.tenant_id, e.payload ->> 'events' AS events, e.payload ->> 'month' AS month, e.trace_id
    FROM erp.erp_audit_events AS e
    WHERE e.event_type = 'erp.base.audit.archived'$$,
    $$VALUES ('a0000000-0000-4000-8000-00000000000a'::uuid, '2', '2015-03', 'archive 2015-03'),
        ('b0000000-0000-4000-8000-00000000000b', '1', '2015-03', 'archive 2015-03')$$,
    'one erp.base.audit.archived event per tenant with events in the month'
);
SELECT is(
    (SELECT count(a.month) FROM d CROSS JOIN LATERAL erp.audit_archive_record(NULL, 'SYSTEM', 'a', d.month, d.events, d.sha256,
        '/backup/' || d.month) AS a WHERE d.month <> '2015-03-01'),
    3::bigint, '2015-05, 2015-06 and the recent month are archived too'
);
-- 2015-05 changes after its archive (a new event, sealed)
INSERT INTO late SELECT pg_temp.old_event('a0000000-0000-4000-8000-00000000000a', '2015-05-20 00:00:00+00', '200');
SELECT is((SELECT sum(s.events) FROM erp.audit_seal('a0000000-0000-4000-8000-00000000000a') AS s), 1::numeric,
    'the late 2015-05 event is sealed');

-- ---- audit_partitions ------------------------------------------------------------------------
SELECT set_eq('SELECT partition FROM erp.audit_partitions()', 'SELECT part::text FROM pg_temp.partitions()',
    'audit_partitions lists every partition');
SELECT results_eq(
    $$SELECT month, events, bytes > 0, archived_at IS NOT NULL, purgeable FROM erp.audit_partitions()
    WHERE partition IN ('erp.erp_audit_events_p2015_03', 'erp.erp_audit_events_p2015_04', 'erp.erp_audit_events_default')
    ORDER BY partition$$,
    $$VALUES (NULL::date, 0::bigint, true, false, false), ('2015-03-01', 3, true, true, true),
        ('2015-04-01', 1, true, false, false)$$,
    'audit_partitions: month, events, bytes, archived_at and purgeable'
);
SELECT set_eq('SELECT partition FROM erp.audit_partitions() WHERE purgeable',
    $$VALUES ('erp.erp_audit_events_p2015_03')$$, 'only 2015-03 is purgeable');
SELECT is((SELECT sum(events) FROM erp.audit_partitions()), (SELECT count(*) FROM erp.erp_audit_events)::numeric,
    'audit_partitions counts every event');

-- ---- audit_purge refusals: ZE009 (or ZE003/ZE008), nothing written, nothing dropped ------------
SELECT pg_temp.refused(
    $$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', (now() AT TIME ZONE 'UTC')::date)$$,
    'ZE009', 'purge: the current month');
SELECT pg_temp.refused(
    $$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', ((now() AT TIME ZONE 'UTC')::date + 62))$$,
    'ZE009', 'purge: a future month');
SELECT pg_temp.refused($$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', pg_temp.recent())$$,
    'ZE009', 'purge: a month inside the retention period (archived and sealed)');
SELECT pg_temp.refused($$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', '2015-04-01')$$,
    'ZE009', 'purge: a month never archived');
SELECT pg_temp.refused($$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', '2015-05-01')$$,
    'ZE009', 'purge: a month whose digest changed since its archive');
SELECT pg_temp.refused($$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', '2015-06-01')$$,
    'ZE009', 'purge: a month with unsealed events');
SELECT pg_temp.refused($$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', '1999-01-01')$$,
    'ZE009', 'purge: a month without a partition');
SELECT pg_temp.refused($$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', NULL)$$,
    'ZE003', 'purge: no month');
SELECT pg_temp.refused($$SELECT * FROM erp.audit_purge(NULL, 'ROBOT', 'p', '2015-03-01')$$,
    'ZE008', 'purge: an unknown actor type');
SELECT is(
    (SELECT count(*) FROM unnest(ARRAY['2015-03-01', '2015-04-01', '2015-05-01', '2015-06-01',
        pg_temp.recent()]::date[]) AS m (month) WHERE to_regclass(pg_temp.part(m.month)) IS NOT NULL),
    5::bigint, 'every refused month''s partition still exists'
);
SELECT is_empty('SELECT * FROM erp_meta.audit_purges', 'no purge recorded');

-- ---- roles ------------------------------------------------------------------------------------
SELECT pg_temp.throws_as(r.role, f.stmt, '42501', format('%s may not call %s', r.role, f.fn))
FROM (VALUES ('erp_app'::name), ('erp_auditor')) AS r (role)
CROSS JOIN (VALUES
    ('audit_purge', $$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', '2015-03-01')$$),
    ('audit_archive_record', $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', '2015-03-01', 3, repeat('a', 64), '/x')$$),
    ('audit_maintain', 'SELECT * FROM erp.audit_maintain()'),
    ('audit_month_digest', $$SELECT * FROM erp.audit_month_digest('2015-03-01')$$),
    ('audit_month_export', $$SELECT erp.audit_month_export('2015-03-01')$$)) AS f (fn, stmt)
ORDER BY r.role, f.fn;
SELECT pg_temp.lives_as('erp_admin', 'SELECT * FROM erp.audit_maintain()', 'erp_admin may call audit_maintain');
SELECT pg_temp.lives_as('erp_admin', $$SELECT * FROM erp.audit_month_digest('2015-03-01')$$,
    'erp_admin may call audit_month_digest');
SELECT pg_temp.lives_as('erp_admin', $$SELECT erp.audit_month_export('2015-03-01')$$,
    'erp_admin may call audit_month_export');
SELECT pg_temp.lives_as('erp_auditor', 'SELECT * FROM erp.audit_partitions()', 'erp_auditor may call audit_partitions');
SELECT pg_temp.throws_as('erp_admin', $$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', '2015-04-01')$$, 'ZE009',
    'erp_admin reaches audit_purge''s rules (ZE009, not 42501)');
SELECT pg_temp.lives_as('erp_admin',
    $$SELECT erp.audit_archive_record(NULL, 'SYSTEM', 'admin', '2015-04-01', 1, pg_temp.digest_of('2015-04-01'), '/x')$$,
    'erp_admin may call audit_archive_record');

-- ---- a purge that may happen --------------------------------------------------------------------
SET LOCAL ROLE erp_admin;
SELECT results_eq(
    $$SELECT partition, events FROM erp.audit_purge(NULL, 'SYSTEM', 'purge 2015-03', '2015-03-01')$$,
    $$VALUES ('erp.erp_audit_events_p2015_03', 3::bigint)$$,
    'erp_admin purges 2015-03: archived, sealed, past retention'
);
RESET ROLE;
SELECT ok(to_regclass('erp.erp_audit_events_p2015_03') IS NULL, 'its partition is gone');
SELECT results_eq('SELECT events, sha256 FROM erp.audit_month_digest(''2015-03-01'')',
    $$VALUES (0::bigint, repeat('0', 64))$$, 'the month is empty now');
SELECT set_eq(
    $$SELECT e.tenant_id, e.payload ->> 'events' AS events, e.payload -> 'months' AS months,
        e.payload -> 'archives' -> 0 ->> 'sha256' AS sha256
    FROM erp.erp_audit_events AS e WHERE e.event_type = 'erp.base.audit.purged'$$,
    $$SELECT t.id, t.n, '["2015-03"]'::jsonb, (SELECT a.sha256 FROM erp_meta.audit_archives AS a WHERE a.month = '2015-03-01')
    FROM (VALUES ('a0000000-0000-4000-8000-00000000000a'::uuid, '2'), ('b0000000-0000-4000-8000-00000000000b', '1'))
        AS t (id, n)$$,
    'one erp.base.audit.purged event per tenant affected, with the archive''s digest'
);
SELECT results_eq('SELECT month, events, partition_name FROM erp_meta.audit_purges',
    $$VALUES ('2015-03-01'::date, 3::bigint, 'erp.erp_audit_events_p2015_03')$$, 'the purge is recorded');
SELECT is_empty($$SELECT * FROM erp.audit_seal_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'seal_verify of A is clean after the purge');
SELECT is_empty($$SELECT * FROM erp.audit_seal_verify('b0000000-0000-4000-8000-00000000000b')$$,
    'seal_verify of B is clean after the purge');
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify of A is clean after the purge');
SELECT pg_temp.refused($$SELECT * FROM erp.audit_purge(NULL, 'SYSTEM', 'p', '2015-03-01')$$,
    'ZE009', 'purge: the same month again');

SELECT * FROM finish();
ROLLBACK;
