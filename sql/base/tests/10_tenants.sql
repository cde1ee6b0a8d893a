-- Tenants: erp.tenant_create (audited, admin only) and erp.tenant_get; every refusal by
-- SQLSTATE, each followed by a check that nothing was written.
BEGIN;
\ir include/core_helpers.sql
SELECT plan(47);

SELECT has_function('erp', 'tenant_create', ARRAY['uuid', 'uuid', 'text', 'text', 'text', 'text']);
SELECT has_function('erp', 'tenant_get', ARRAY['uuid']);

-- ---- creation -------------------------------------------------------------------------
CREATE TEMP TABLE created ON COMMIT DROP AS
SELECT * FROM erp.tenant_create(
    'a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000001', 'USER',
    'trace-tenant', '  Acme GmbH  ', 'Europe/Berlin'
);
SELECT is(
    (SELECT (c.id, c.name, c.timezone, c.active, c.version)::text FROM created AS c),
    ('a0000000-0000-4000-8000-00000000000a', 'Acme GmbH', 'Europe/Berlin', true, 1)::text,
    'tenant_create returns the new row (name trimmed, active, version 1)'
);
SELECT is(
    (SELECT to_jsonb(t) FROM erp.tenant_get('a0000000-0000-4000-8000-00000000000a') AS t),
    (SELECT to_jsonb(c) FROM created AS c),
    'tenant_get returns what tenant_create returned'
);
SELECT is(pg_temp.events('a0000000-0000-4000-8000-00000000000a'), 1::bigint,
    'tenant creation writes exactly one audit event');
SELECT is(
    (SELECT jsonb_build_object(
        'entity_type', e.entity_type, 'entity_id', e.entity_id, 'event_type', e.event_type,
        'entity_version', e.entity_version, 'actor_user_id', e.actor_user_id,
        'actor_type', e.actor_type, 'trace_id', e.trace_id, 'changes', e.changes)
    FROM erp.erp_audit_events AS e WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    jsonb_build_object(
        'entity_type', 'erp.base.tenant', 'entity_id', 'a0000000-0000-4000-8000-00000000000a',
        'event_type', 'erp.base.tenant.created', 'entity_version', 1,
        'actor_user_id', 'f0000000-0000-4000-8000-000000000001', 'actor_type', 'USER',
        'trace_id', 'trace-tenant', 'changes', NULL),
    'the created event names the tenant, the actor and the trace'
);
SELECT is(
    (SELECT e.payload FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    (SELECT pg_temp.snap(to_jsonb(c)) FROM created AS c),
    'the created event carries the full snapshot of the tenant row (timestamps canonical UTC)'
);
SELECT ok(
    (SELECT substr(e.id::text, 15, 1) = '7' AND substr(e.id::text, 20, 1) IN ('8', '9', 'a', 'b')
    FROM erp.erp_audit_events AS e WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    'event ids are version-7 UUIDs (RFC 9562 version and variant bits)'
);
SELECT ok(
    (SELECT abs(
        ('x' || substr(replace(e.id::text, '-', ''), 1, 12))::bit(48)::bigint
        - (extract(EPOCH FROM e.created_at) * 1000)::bigint) < 1000
    FROM erp.erp_audit_events AS e WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    'the first 48 bits of an event id are its Unix time in milliseconds'
);
SELECT ok(
    (SELECT bool_and(ids.a < ids.b) FROM (
        SELECT erp.uuid_v7() AS a, pg_sleep(0.002) AS pause, erp.uuid_v7() AS b FROM generate_series(1, 3)
    ) AS ids),
    'uuid_v7 ids created a millisecond apart sort in creation order'
);
SELECT is(
    (SELECT t.timezone FROM erp.tenant_create(
        'b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', NULL, 'Beta') AS t),
    'UTC',
    'the time zone defaults to UTC; SYSTEM needs no user id and the trace id is optional'
);
SELECT is(
    (SELECT e.actor_user_id IS NULL AND e.trace_id IS NULL FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'b0000000-0000-4000-8000-00000000000b'),
    true,
    'a SYSTEM creation is audited without user id and trace id'
);
SELECT lives_ok(
    $$SELECT erp.tenant_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM',
        repeat('t', 200), 'Gamma')$$,
    'a trace id of 200 characters is accepted'
);

-- ---- refusals ---------------------------------------------------------------------------
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'ROBOT', NULL, 'X')$$,
    'ZE008', 'unknown actor type');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, NULL, NULL, 'X')$$,
    'ZE008', 'NULL actor type');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'USER', NULL, 'X')$$,
    'ZE008', 'actor type USER without a user id');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM',
        repeat('t', 201), 'X')$$,
    'ZE008', 'trace id longer than 200 characters');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'user', NULL, 'X')$$,
    'ZE008', 'actor types are case sensitive');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create(NULL, NULL, 'SYSTEM', NULL, 'X')$$,
    'ZE003', 'NULL tenant id');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM', NULL, NULL)$$,
    'ZE003', 'NULL name');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM', NULL, E' \t ')$$,
    'ZE003', 'blank name');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM', NULL, 'X',
        'Mars/Olympus_Mons')$$,
    'ZE003', 'unknown time zone');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM', NULL, 'X', NULL)$$,
    'ZE003', 'NULL time zone');
SELECT pg_temp.refused(
    $$SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL, 'Again')$$,
    'ZE002', 'a tenant id that already exists');

-- ---- tenant_get -------------------------------------------------------------------------
SELECT throws_ok(
    $$SELECT erp.tenant_get('d0000000-0000-4000-8000-00000000000d')$$,
    'ZE001', NULL, 'tenant_get of an unknown tenant');
SELECT throws_ok(
    $$SELECT erp.tenant_get(NULL)$$,
    'ZE001', NULL, 'tenant_get of NULL');
UPDATE erp.erp_tenants SET active = false WHERE id = 'c0000000-0000-4000-8000-00000000000c';
SELECT is(
    (SELECT t.active FROM erp.tenant_get('c0000000-0000-4000-8000-00000000000c') AS t),
    false,
    'tenant_get also returns an inactive tenant (with active = false)'
);

-- ---- roles --------------------------------------------------------------------------------
SELECT pg_temp.refused_as('erp_app',
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM', NULL, 'X')$$,
    '42501', 'erp_app may not create tenants');
SELECT pg_temp.refused_as('erp_auditor',
    $$SELECT erp.tenant_create('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM', NULL, 'X')$$,
    '42501', 'erp_auditor may not create tenants');
SELECT pg_temp.refused_as('erp_auditor',
    $$SELECT erp.tenant_get('a0000000-0000-4000-8000-00000000000a')$$,
    '42501', 'erp_auditor may not read tenants');
SELECT pg_temp.lives_as('erp_admin',
    $$SELECT erp.tenant_create('e0000000-0000-4000-8000-00000000000e', NULL, 'SYSTEM', NULL, 'Delta')$$,
    'erp_admin creates tenants');
SELECT pg_temp.lives_as('erp_app',
    $$SELECT erp.tenant_get('e0000000-0000-4000-8000-00000000000e')$$,
    'erp_app reads tenants');
SELECT is(pg_temp.events('e0000000-0000-4000-8000-00000000000e'), 1::bigint,
    'the tenant created by erp_admin is audited too');

SELECT * FROM finish();
ROLLBACK;
