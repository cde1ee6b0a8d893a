-- Bypass matrix and audit immutability.
-- * As erp_app, erp_auditor and erp_admin: SELECT / INSERT / UPDATE / DELETE / TRUNCATE on
--   every table of schemas erp and erp_meta (read from the catalog, so tables added by later
--   migrations are covered automatically) is denied with 42501.
-- * UPDATE, DELETE, TRUNCATE and MERGE of audit events raise ZE007 for the owner and for a
--   superuser, also under session_replication_role = replica (triggers ENABLE ALWAYS).
BEGIN;
\ir include/core_helpers.sql

CREATE TEMP TABLE matrix ON COMMIT DROP AS
WITH tables AS (
    SELECT c.oid::regclass AS tbl, c.relkind,
        (SELECT quote_ident(a.attname) FROM pg_attribute AS a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum LIMIT 1) AS first_col
    FROM pg_class AS c
    WHERE c.relnamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
        AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
),

roles (role) AS (VALUES ('erp_app'::name), ('erp_auditor'), ('erp_admin')),

-- views and materialized views are only read (writing them fails for other reasons first)
ops (op, stmt, relkinds) AS (
    VALUES
    ('SELECT', 'SELECT 1 FROM %1$s', 'rpvmf'),
    ('INSERT', 'INSERT INTO %1$s DEFAULT VALUES', 'rp'),
    ('UPDATE', 'UPDATE %1$s SET %2$s = DEFAULT', 'rp'),
    ('DELETE', 'DELETE FROM %1$s', 'rp'),
    ('TRUNCATE', 'TRUNCATE %1$s', 'rp')
)

SELECT r.role, t.tbl, o.op, format(o.stmt, t.tbl, t.first_col) AS stmt
FROM tables AS t CROSS JOIN roles AS r
INNER JOIN ops AS o ON strpos(o.relkinds, t.relkind::text) > 0;

SELECT plan(34 + (SELECT count(*)::integer FROM matrix));

SELECT cmp_ok((SELECT count(DISTINCT m.tbl)::integer FROM matrix AS m), '>=', 6,
    'the matrix covers every table (at least the six of the audit core)');

-- some data, so that row triggers have rows to fire on
SELECT lives_ok($$SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    NULL, 'Acme')$$, 'tenant A');
SELECT lives_ok($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', 't', 'erp.base.sequence',
    '[{"code": "INV", "name": "Invoices"}, {"code": "CRN", "name": "Credit notes"}]')$$,
    'two sequences with their events');

-- ---- the bypass matrix ------------------------------------------------------------------
SELECT pg_temp.throws_as(m.role, m.stmt, '42501', format('%s: %s on %s is denied', m.role, m.op, m.tbl))
FROM matrix AS m
ORDER BY m.tbl::text, m.role, m.op;

-- ---- internal functions cannot be called directly by the application roles ---------------
SELECT pg_temp.refused_as('erp_app',
    $$SELECT erp._audit_append('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', erp.uuid_v7(), 'erp.base.sequence.updated', 99, '{}', NULL)$$,
    '42501', 'erp_app cannot append forged audit events');
SELECT pg_temp.refused_as('erp_admin',
    $$SELECT erp._sequence_write('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        s, s, 'updated') FROM erp.sequence_list('a0000000-0000-4000-8000-00000000000a') AS s$$,
    '42501', 'erp_admin cannot call a generated writer');
SELECT pg_temp.refused_as('erp_app',
    $$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
        NULL, 'erp.base.sequence', '{"code": "X", "name": "X"}')$$,
    '42501', 'erp_app cannot call the generic writers');
SELECT pg_temp.refused_as('erp_app',
    $$ALTER TABLE erp.erp_audit_events DISABLE TRIGGER erp_audit_events_no_update_delete$$,
    '42501', 'erp_app cannot disable the immutability triggers');

-- ---- immutability for the owner and a superuser -------------------------------------------
SELECT is(
    (SELECT array_agg(t.tgname::text || ':' || t.tgenabled::text ORDER BY t.tgname)
    FROM pg_trigger AS t WHERE t.tgrelid = 'erp.erp_audit_events'::regclass AND NOT t.tgisinternal),
    ARRAY['erp_audit_events_no_truncate:A', 'erp_audit_events_no_update_delete:A'],
    'both immutability triggers are ENABLE ALWAYS'
);
SELECT pg_temp.refused_as('erp_owner', $$UPDATE erp.erp_audit_events SET trace_id = 'forged'$$,
    'ZE007', 'the owner cannot UPDATE audit events');
SELECT pg_temp.refused_as('erp_owner', $$DELETE FROM erp.erp_audit_events$$,
    'ZE007', 'the owner cannot DELETE audit events');
SELECT pg_temp.refused_as('erp_owner', $$TRUNCATE erp.erp_audit_events$$,
    'ZE007', 'the owner cannot TRUNCATE audit events');
SELECT pg_temp.refused_as('erp_owner',
    $$MERGE INTO erp.erp_audit_events AS e USING (SELECT 1) AS s ON true WHEN MATCHED THEN DELETE$$,
    'ZE007', 'the owner cannot MERGE ... DELETE audit events');
SELECT pg_temp.refused_as('erp_owner', $$SET session_replication_role = replica$$,
    '42501', 'the owner cannot switch session_replication_role');

SET LOCAL session_replication_role = replica;
SELECT pg_temp.refused_as('erp_owner', $$UPDATE erp.erp_audit_events SET payload = '{}'$$,
    'ZE007', 'replica mode: the owner cannot UPDATE audit events');
SELECT pg_temp.refused_as('erp_owner', $$DELETE FROM erp.erp_audit_events$$,
    'ZE007', 'replica mode: the owner cannot DELETE audit events');
SELECT pg_temp.refused_as('erp_owner', $$TRUNCATE erp.erp_audit_events$$,
    'ZE007', 'replica mode: the owner cannot TRUNCATE audit events');
SELECT pg_temp.refused(
    $$UPDATE erp.erp_audit_events SET entity_version = entity_version + 1$$,
    'ZE007', 'replica mode: a superuser cannot UPDATE audit events');
SELECT pg_temp.refused($$DELETE FROM erp.erp_audit_events$$,
    'ZE007', 'replica mode: a superuser cannot DELETE audit events');
SELECT pg_temp.refused($$TRUNCATE erp.erp_audit_events$$,
    'ZE007', 'replica mode: a superuser cannot TRUNCATE audit events');
RESET session_replication_role;

SELECT * FROM finish();
ROLLBACK;
