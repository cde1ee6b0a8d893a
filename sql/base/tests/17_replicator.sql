-- Subscribers: erp_replicator reads the whole trail (every partition, also ones made later),
-- writes nothing, executes only audit_subscriber_ddl, and that function prints a table a
-- subscriber can create.
BEGIN;
SELECT plan(9);

CREATE TEMP VIEW trail_tables AS
SELECT 'erp.erp_audit_events'::regclass AS tbl
UNION ALL
SELECT i.inhrelid::regclass FROM pg_inherits AS i WHERE i.inhparent = 'erp.erp_audit_events'::regclass;

SELECT cmp_ok((SELECT count(*)::integer FROM trail_tables), '>=', 5,
    'the trail has its partitions (default and months ahead)');
SELECT is_empty(
    $$SELECT t.tbl FROM trail_tables AS t WHERE NOT has_table_privilege('erp_replicator', t.tbl, 'SELECT')
    OR NOT EXISTS (SELECT 1 FROM pg_policy AS p WHERE p.polrelid = t.tbl AND p.polcmd = 'r'
        AND p.polroles = ARRAY['erp_replicator'::regrole::oid])$$,
    'erp_replicator may SELECT the trail and every partition, through a read policy of its own'
);
SELECT is_empty(
    $$SELECT t.tbl FROM trail_tables AS t
    WHERE has_table_privilege('erp_replicator', t.tbl, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')$$,
    'erp_replicator may write nothing'
);

-- a partition made later by maintenance gets the same
SET LOCAL ROLE erp_owner;
SELECT is(erp._audit_create_partition(date '2031-03-01'), 'erp.erp_audit_events_p2031_03', 'a later partition is created');
RESET ROLE;
SELECT ok(
    has_table_privilege('erp_replicator', 'erp.erp_audit_events_p2031_03', 'SELECT')
    AND EXISTS (SELECT 1 FROM pg_policy AS p WHERE p.polrelid = 'erp.erp_audit_events_p2031_03'::regclass
        AND p.polroles = ARRAY['erp_replicator'::regrole::oid]),
    'a partition made later is readable by erp_replicator too'
);

-- reading as the group: the history is visible despite forced row-level security
SELECT erp.tenant_create('a0000000-0000-4000-8000-000000000017', NULL, 'SYSTEM', 'test', 'Replicated', 'UTC');
SET LOCAL ROLE erp_replicator;
SELECT cmp_ok((SELECT count(*)::integer FROM erp.erp_audit_events), '>=', 1,
    'erp_replicator sees the events through forced row-level security');
SELECT throws_ok($$SELECT count(*) FROM erp.erp_tenants$$, '42501', NULL,
    'erp_replicator reads no other table');
SELECT matches(erp.audit_subscriber_ddl(),
    '^CREATE SCHEMA IF NOT EXISTS erp;\nCREATE TABLE erp.erp_audit_events \(\n    tenant_id uuid NOT NULL,\n    id uuid NOT NULL,.*PRIMARY KEY \(tenant_id, id\)\n\);$',
    'audit_subscriber_ddl prints the subscriber''s table with the trail''s key');
RESET ROLE;
SELECT lives_ok(
    format('CREATE TEMP TABLE subscriber_check AS SELECT 1; %s',
        replace(replace(erp.audit_subscriber_ddl(), 'CREATE SCHEMA IF NOT EXISTS erp;', ''),
            'erp.erp_audit_events', 'pg_temp.subscriber_events')),
    'the printed definition runs');

SELECT * FROM finish();
ROLLBACK;
