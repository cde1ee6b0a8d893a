-- The generic audited writers, exercised on entity type erp.base.sequence:
-- erp.atomic_insert_with_audit, erp.atomic_insert_many_with_audit, erp.atomic_update_with_audit,
-- the generated erp._sequence_insert / _lock / _write behind them, the context checks and the
-- translation of constraint violations. Every refusal: SQLSTATE, then "nothing written".
BEGIN;
\ir include/core_helpers.sql
SELECT plan(201);

SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL, 'Acme');
SELECT erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', NULL, 'Beta');
SELECT erp.tenant_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', NULL, 'Closed');
UPDATE erp.erp_tenants SET active = false WHERE id = 'c0000000-0000-4000-8000-00000000000c';

-- results kept across statements
CREATE TEMP TABLE r (k text PRIMARY KEY, v jsonb) ON COMMIT DROP;

-- ===== atomic_insert_with_audit ===========================================================
INSERT INTO r
SELECT 'inv' AS k, erp.atomic_insert_with_audit(
    'a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000001', 'USER',
    'trace-ins', 'erp.base.sequence', '{"code": "INV", "name": "Invoices", "prefix": "INV-"}') AS v;

SELECT is(
    (SELECT r.v - 'id' - 'created_at' - 'updated_at' FROM r WHERE r.k = 'inv'),
    '{"tenant_id": "a0000000-0000-4000-8000-00000000000a", "code": "INV", "code_key": "inv",
      "name": "Invoices", "prefix": "INV-", "suffix": "", "padding": 5, "step": 1,
      "start_value": 1, "reset": "never", "active": true, "version": 1}'::jsonb,
    'insert returns the row: values given, declared defaults, version 1, active, code_key'
);
SELECT ok(
    (SELECT substr(r.v ->> 'id', 15, 1) = '7' FROM r WHERE r.k = 'inv'),
    'a generated entity id is a version-7 UUID'
);
SELECT is(
    (SELECT to_jsonb(s) FROM erp.erp_sequences AS s
    WHERE s.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND s.code = 'INV'),
    (SELECT r.v FROM r WHERE r.k = 'inv'),
    'the stored row is the returned row'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.entity_id = (SELECT (r.v ->> 'id')::uuid FROM r WHERE r.k = 'inv')),
    1::bigint,
    'one event for the inserted row'
);
SELECT is(
    (SELECT jsonb_build_object('tenant_id', e.tenant_id, 'entity_type', e.entity_type,
        'event_type', e.event_type, 'entity_version', e.entity_version, 'actor_type', e.actor_type,
        'actor_user_id', e.actor_user_id, 'trace_id', e.trace_id, 'changes', e.changes,
        'payload_is_row', e.payload = pg_temp.snap(r.v))
    FROM erp.erp_audit_events AS e INNER JOIN r ON r.k = 'inv' AND e.entity_id = (r.v ->> 'id')::uuid),
    jsonb_build_object('tenant_id', 'a0000000-0000-4000-8000-00000000000a',
        'entity_type', 'erp.base.sequence', 'event_type', 'erp.base.sequence.created',
        'entity_version', 1, 'actor_type', 'USER',
        'actor_user_id', 'f0000000-0000-4000-8000-000000000001', 'trace_id', 'trace-ins',
        'changes', NULL, 'payload_is_row', true),
    'the created event: entity, version 1, actor, trace, payload = the row, no changes'
);
SELECT is(
    (erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', '{"id": "0190a000-0000-7000-8000-000000000001", "code": "OWN",
        "name": "Own id"}') ->> 'id'),
    '0190a000-0000-7000-8000-000000000001',
    'a caller-chosen id is kept (module authors may pick ids)'
);
SELECT is(
    (erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', '{"code": "NUL", "name": "Null prefix", "prefix": null}') ->> 'prefix'),
    '',
    'a key given as null takes the column default'
);

-- refusals of the context (same checks in every writer)
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'ROBOT', NULL, 'erp.base.sequence', '{"code": "X", "name": "X"}')$$,
    'ZE008', 'insert: unknown actor type');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'USER', NULL, 'erp.base.sequence', '{"code": "X", "name": "X"}')$$,
    'ZE008', 'insert: USER without user id');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', repeat('x', 201), 'erp.base.sequence', '{"code": "X", "name": "X"}')$$,
    'ZE008', 'insert: trace id too long');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('d0000000-0000-4000-8000-00000000000d',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X", "name": "X"}')$$,
    'ZE006', 'insert: unknown tenant');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('c0000000-0000-4000-8000-00000000000c',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X", "name": "X"}')$$,
    'ZE006', 'insert: inactive tenant');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit(NULL,
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X", "name": "X"}')$$,
    'ZE006', 'insert: NULL tenant');
-- refusals of the entity type and the values
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.nothing', '{"code": "X", "name": "X"}')$$,
    'ZE003', 'insert: unknown entity type');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, NULL, '{"code": "X", "name": "X"}')$$,
    'ZE003', 'insert: NULL entity type');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '[{"code": "X", "name": "X"}]')$$,
    'ZE003', 'insert: values that are not an object');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', NULL)$$,
    'ZE003', 'insert: NULL values');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X", "name": "X", "colour": "red"}')$$,
    'ZE003', 'insert: unknown key');
SELECT pg_temp.refused(format($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L)$$,
    jsonb_build_object('code', 'X', 'name', 'X', k.key, k.value)), 'ZE003',
    'insert: read-only key ' || k.key)
FROM (VALUES ('code_key', '"x"'::jsonb), ('version', '7'),
    ('tenant_id', '"b0000000-0000-4000-8000-00000000000b"'), ('active', 'false'),
    ('created_at', '"2020-01-01T00:00:00Z"'), ('updated_at', '"2020-01-01T00:00:00Z"')) AS k (key, value);
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X", "name": "X", "padding": "many"}')$$,
    'ZE003', 'insert: a value of the wrong type');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X", "name": "X", "step": 1e30}')$$,
    'ZE003', 'insert: a value out of range');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X", "name": "X", "padding": 99}')$$,
    'ZE003', 'insert: check constraint violation');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X"}')$$,
    'ZE003', 'insert: a required column missing (NOT NULL)');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": " \t ", "name": "X"}')$$,
    'ZE003', 'insert: a blank code');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": " inv ", "name": "X"}')$$,
    'ZE002', 'insert: duplicate code after trim and case folding');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "ＩＮＶ", "name": "X"}')$$,
    'ZE002', 'insert: duplicate code after NFKC normalisation');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence',
    '{"id": "0190a000-0000-7000-8000-000000000001", "code": "OTHER", "name": "X"}')$$,
    'ZE002', 'insert: duplicate id');
SELECT throws_like($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "inv", "name": "X"}')$$,
    '%code (''inv'') already exists%', 'the duplicate message names the field and the value');
SELECT throws_like($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "X", "name": "X", "padding": 99}')$$,
    '%padding is invalid%', 'the check message names the field');
SELECT throws_like($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence',
    '{"id": "0190a000-0000-7000-8000-000000000001", "code": "OTHER", "name": "X"}')$$,
    '%with this id (''0190a000-0000-7000-8000-000000000001'') already exists%',
    'a duplicate primary key names the id column, not the constraint');
SELECT lives_ok($$SELECT erp.atomic_insert_with_audit('b0000000-0000-4000-8000-00000000000b',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "INV", "name": "Invoices of B"}')$$,
    'codes are unique per tenant: tenant B may use INV too');

-- ===== atomic_insert_many_with_audit ======================================================
-- count the INSERT statements that reach the entity table and the audit trail during the batch
CREATE TEMP TABLE statements (tbl text, n integer) ON COMMIT DROP;
GRANT ALL ON statements TO PUBLIC;  -- the writers run as erp_owner
CREATE FUNCTION pg_temp.count_statement() RETURNS trigger LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO pg_temp.statements VALUES (tg_table_name, 1); RETURN NULL; END $$;
CREATE TRIGGER zz_count AFTER INSERT ON erp.erp_sequences
FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.count_statement();
CREATE TRIGGER zz_count AFTER INSERT ON erp.erp_audit_events
FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.count_statement();
INSERT INTO r
SELECT 'many' AS k, jsonb_agg(w.v ORDER BY w.v ->> 'code') AS v
FROM erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    'trace-many', 'erp.base.sequence',
    '[{"code": "M1", "name": "One"}, {"code": "M2", "name": "Two", "padding": 3},
      {"code": "M3", "name": "Three", "reset": "yearly"}]') AS w (v);
SELECT is(
    (SELECT jsonb_agg(x.e ->> 'code') FROM r, jsonb_array_elements(r.v) AS x (e) WHERE r.k = 'many'),
    '["M1", "M2", "M3"]'::jsonb,
    'insert_many returns every inserted row'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_sequences AS s
    WHERE s.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND s.code IN ('M1', 'M2', 'M3')),
    3::bigint,
    'insert_many stores every row'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.trace_id = 'trace-many'
        AND e.event_type = 'erp.base.sequence.created' AND e.entity_version = 1),
    3::bigint,
    'insert_many writes one created event (version 1) per row'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    INNER JOIN erp.erp_sequences AS s ON e.tenant_id = s.tenant_id AND e.entity_id = s.id
    WHERE e.trace_id = 'trace-many' AND e.payload = pg_temp.snap(to_jsonb(s))),
    3::bigint,
    'each event carries its own row as payload'
);
SELECT is(
    (SELECT count(DISTINCT e.id) FROM erp.erp_audit_events AS e WHERE e.trace_id = 'trace-many'),
    3::bigint,
    'each event has its own id'
);
SELECT is(
    (SELECT array_agg(st.tbl ORDER BY st.tbl) FROM statements AS st),
    ARRAY['erp_audit_events', 'erp_sequences'],
    'the whole batch is one INSERT statement per table (rows and events together)'
);
DROP TRIGGER zz_count ON erp.erp_sequences;
DROP TRIGGER zz_count ON erp.erp_audit_events;

SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence',
    '[{"code": "B1", "name": "One"}, {"code": "B2", "name": "Two"}, {"code": "b1", "name": "Dup"}]')$$,
    'ZE002', 'insert_many: a duplicate inside the batch refuses the whole batch');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence',
    '[{"code": "B1", "name": "One"}, {"code": "M2", "name": "Exists"}]')$$,
    'ZE002', 'insert_many: a duplicate of an existing row refuses the whole batch');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence',
    '[{"code": "B1", "name": "One"}, {"code": "B2", "name": "Two", "step": 0}]')$$,
    'ZE003', 'insert_many: one invalid row refuses the whole batch');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence',
    '[{"code": "B1", "name": "One"}, {"code": "B2", "name": "Two", "padding": "wide"}]')$$,
    'ZE003', 'insert_many: one value of the wrong type refuses the whole batch');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence',
    '[{"code": "B1", "name": "One"}, {"code": "B2", "name": "Two", "version": 3}]')$$,
    'ZE003', 'insert_many: a read-only key in one row refuses the whole batch');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '[{"code": "B1", "name": "One"}, 5]')$$,
    'ZE003', 'insert_many: an element that is not an object');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '[]')$$,
    'ZE003', 'insert_many: an empty array');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '{"code": "B1", "name": "One"}')$$,
    'ZE003', 'insert_many: an object instead of an array');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', NULL)$$,
    'ZE003', 'insert_many: NULL rows');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.nothing', '[{"code": "B1", "name": "One"}]')$$,
    'ZE003', 'insert_many: unknown entity type');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'NOBODY', NULL, 'erp.base.sequence', '[{"code": "B1", "name": "One"}]')$$,
    'ZE008', 'insert_many: unknown actor type');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('c0000000-0000-4000-8000-00000000000c',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', '[{"code": "B1", "name": "One"}]')$$,
    'ZE006', 'insert_many: inactive tenant');

-- ===== atomic_update_with_audit ===========================================================
CREATE FUNCTION pg_temp.inv() RETURNS uuid LANGUAGE sql STABLE
AS $$ SELECT (r.v ->> 'id')::uuid FROM r WHERE r.k = 'inv' $$;
CREATE FUNCTION pg_temp.last_event(p_id uuid) RETURNS erp.erp_audit_events LANGUAGE sql STABLE
AS $$ SELECT e.* FROM erp.erp_audit_events AS e WHERE e.entity_id = p_id
    ORDER BY e.entity_version DESC NULLS LAST LIMIT 1 $$;

INSERT INTO r
SELECT 'upd' AS k, erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    'f0000000-0000-4000-8000-000000000002', 'USER', 'trace-upd', 'erp.base.sequence', pg_temp.inv(),
    '{"name": "Sales invoices"}') AS v;
SELECT is((SELECT r.v ->> 'name' FROM r WHERE r.k = 'upd'), 'Sales invoices', 'update applies the patch');
SELECT is((SELECT (r.v ->> 'version')::integer FROM r WHERE r.k = 'upd'), 2, 'update bumps the version');
SELECT is(
    (SELECT to_jsonb(s) FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv()),
    (SELECT r.v FROM r WHERE r.k = 'upd'),
    'update returns the stored row'
);
SELECT is(
    (SELECT r.v - 'name' - 'version' - 'updated_at' FROM r WHERE r.k = 'upd'),
    (SELECT r.v - 'name' - 'version' - 'updated_at' FROM r WHERE r.k = 'inv'),
    'update leaves the other columns alone'
);
SELECT is(
    (SELECT jsonb_build_object('event_type', e.event_type, 'entity_version', e.entity_version,
        'changes', e.changes, 'actor_user_id', e.actor_user_id, 'trace_id', e.trace_id,
        'payload_is_row', e.payload = pg_temp.snap(r.v))
    FROM pg_temp.last_event(pg_temp.inv()) AS e, r WHERE r.k = 'upd'),
    jsonb_build_object('event_type', 'erp.base.sequence.updated', 'entity_version', 2,
        'changes', '{"name": {"old": "Invoices", "new": "Sales invoices"}}'::jsonb,
        'actor_user_id', 'f0000000-0000-4000-8000-000000000002', 'trace_id', 'trace-upd',
        'payload_is_row', true),
    'the updated event: version 2, changes of the changed field only, payload = the row'
);
SELECT is(
    (erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', pg_temp.inv(), '{"name": "Sales invoices", "padding": 6}', 2) ->> 'version'),
    '3',
    'a matching p_expected_version is accepted'
);
SELECT is(
    (pg_temp.last_event(pg_temp.inv())).changes,
    '{"padding": {"old": 5, "new": 6}}'::jsonb,
    'a patch key whose value does not change is not recorded as a change'
);
SELECT is(
    (erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', pg_temp.inv(), '{"code": "SINV"}') ->> 'code_key'),
    'sinv',
    'changing the code recomputes the generated code key'
);
SELECT is(
    (pg_temp.last_event(pg_temp.inv())).changes,
    '{"code": {"old": "INV", "new": "SINV"}}'::jsonb,
    'the changes name the stored column, not the generated key that followed (it is derived)'
);

-- a patch that changes nothing writes nothing
SELECT pg_temp.mark('noop');
SELECT is(
    (erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', pg_temp.inv(), '{"name": "Sales invoices", "padding": 6}') ->> 'version'),
    '4',
    'a no-op patch returns the row at its current version'
);
SELECT is(
    (erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', pg_temp.inv(), '{}', 4) ->> 'version'),
    '4',
    'an empty patch is a no-op too'
);
SELECT pg_temp.unchanged_since('noop', 'no-op patches write no row, no event, no version');

-- archive and restore
SELECT is(
    (erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-arch',
        'erp.base.sequence', pg_temp.inv(), NULL, 4, 'archived') - 'updated_at'),
    (SELECT to_jsonb(s) - 'updated_at' || '{"active": false, "version": 5}' FROM erp.erp_sequences AS s
    WHERE s.id = pg_temp.inv()),
    'archive sets active = false and bumps the version'
);
SELECT is(
    (SELECT (e.event_type, e.entity_version, e.changes)::text FROM pg_temp.last_event(pg_temp.inv()) AS e),
    ('erp.base.sequence.archived', 5, '{"active": {"old": true, "new": false}}'::jsonb)::text,
    'archive writes an archived event with the change of active'
);
SELECT pg_temp.mark('rearchive');
SELECT is(
    (erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', pg_temp.inv(), '{}', NULL, 'archived') ->> 'version'),
    '5',
    'archiving an archived row changes nothing'
);
SELECT pg_temp.unchanged_since('rearchive', 'archiving an archived row writes nothing');
SELECT is(
    (erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', pg_temp.inv(), NULL, NULL, 'restored') ->> 'active'),
    'true',
    'restore sets active = true'
);
SELECT is(
    (SELECT (e.event_type, e.entity_version, e.changes)::text FROM pg_temp.last_event(pg_temp.inv()) AS e),
    ('erp.base.sequence.restored', 6, '{"active": {"old": false, "new": true}}'::jsonb)::text,
    'restore writes a restored event'
);
SELECT is(
    (SELECT array_agg(e.entity_version ORDER BY e.created_at, e.id) FROM erp.erp_audit_events AS e
    WHERE e.entity_id = pg_temp.inv()),
    ARRAY[1, 2, 3, 4, 5, 6]::bigint[],
    'entity versions are 1..n without gaps, in time order'
);
SELECT is(
    (SELECT s.version FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv()),
    6::bigint,
    'the row version equals the last entity_version'
);

-- refusals of updates
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "Stale"}', 5)$$, pg_temp.inv()),
    'ZE004', 'update: stale p_expected_version');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "Future"}', 7)$$, pg_temp.inv()),
    'ZE004', 'update: p_expected_version ahead of the row');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, NULL, 1, 'archived')$$, pg_temp.inv()),
    'ZE004', 'archive: stale p_expected_version');
SELECT pg_temp.refused($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', 'd0000000-0000-4000-8000-00000000000d', '{"name": "X"}')$$,
    'ZE001', 'update: unknown id');
SELECT pg_temp.refused($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', NULL, '{"name": "X"}')$$,
    'ZE001', 'update: NULL id');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('b0000000-0000-4000-8000-00000000000b',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "X"}')$$, pg_temp.inv()),
    'ZE001', 'update: an id of another tenant is not found');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, %L)$$, pg_temp.inv(), k.patch),
    'ZE003', 'update: ' || k.why)
FROM (VALUES
    ('{"colour": "red"}', 'unknown key'),
    ('{"name": "X", "id": "d0000000-0000-4000-8000-00000000000d"}', 'read-only key id'),
    ('{"tenant_id": "b0000000-0000-4000-8000-00000000000b"}', 'read-only key tenant_id'),
    ('{"version": 99}', 'read-only key version'),
    ('{"active": false}', 'read-only key active (archive instead)'),
    ('{"code_key": "x"}', 'generated column code_key'),
    ('{"created_at": "2000-01-01T00:00:00Z"}', 'read-only key created_at'),
    ('{"updated_at": "2000-01-01T00:00:00Z"}', 'read-only key updated_at'),
    ('[{"name": "X"}]', 'a patch that is not an object'),
    ('"name"', 'a patch that is a string'),
    ('{"padding": "wide"}', 'a value of the wrong type'),
    ('{"padding": 1e40}', 'a value out of range'),
    ('{"padding": 31}', 'check constraint violation'),
    ('{"name": null}', 'NOT NULL violation'),
    ('{"code": "  "}', 'a blank code'),
    ('{"name": ["X"]}', 'a JSON array for a text field')
) AS k (patch, why);
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, NULL)$$, pg_temp.inv()),
    'ZE003', 'update: NULL patch');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"code": "m1"}')$$, pg_temp.inv()),
    'ZE002', 'update: a code that another row has');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "X"}', NULL, 'deleted')$$, pg_temp.inv()),
    'ZE003', 'update: unknown event');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "X"}', NULL, NULL)$$, pg_temp.inv()),
    'ZE003', 'update: NULL event');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "X"}', NULL, 'archived')$$, pg_temp.inv()),
    'ZE003', 'archive: a patch is refused');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"active": true}', NULL, 'restored')$$, pg_temp.inv()),
    'ZE003', 'restore: a patch is refused');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.nothing', %L, '{"name": "X"}')$$, pg_temp.inv()),
    'ZE003', 'update: unknown entity type');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'USER', NULL, 'erp.base.sequence', %L, '{"name": "X"}')$$, pg_temp.inv()),
    'ZE008', 'update: USER without user id');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'system', NULL, 'erp.base.sequence', %L, '{"name": "X"}')$$, pg_temp.inv()),
    'ZE008', 'update: unknown actor type');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('d0000000-0000-4000-8000-00000000000d',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "X"}')$$, pg_temp.inv()),
    'ZE006', 'update: unknown tenant');
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('c0000000-0000-4000-8000-00000000000c',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"name": "X"}')$$, pg_temp.inv()),
    'ZE006', 'update: inactive tenant');

-- readonly_columns of the registry are enforced for patches (not for inserts)
UPDATE erp_meta.entity_types SET readonly_columns = '{reset}' WHERE entity_type = 'erp.base.sequence';
SELECT is(erp_meta.regenerate_writers() >= 1, true, 'the writers regenerate from the registry');
SELECT is(
    (SELECT 'reset' = any(e.patch_keys) OR NOT ('reset' = any(e.insert_keys))
    FROM erp_meta.entity_types AS e WHERE e.entity_type = 'erp.base.sequence'),
    false,
    'a read-only column is an insert key but not a patch key'
);
SELECT pg_temp.refused(format($$SELECT erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', NULL, 'erp.base.sequence', %L, '{"reset": "yearly"}')$$, pg_temp.inv()),
    'ZE003', 'update: a registry read-only column');
SELECT is(
    (erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
        'erp.base.sequence', '{"code": "RO", "name": "Read-only reset", "reset": "monthly"}') ->> 'reset'),
    'monthly',
    'a read-only column may be set at insert'
);

-- ===== the generated functions and the error translation, called directly ==================
SELECT pg_temp.refused(format($$SELECT erp._sequence_lock('a0000000-0000-4000-8000-00000000000a', %L, 1)$$,
    pg_temp.inv()), 'ZE004', '_sequence_lock: stale version');
SELECT pg_temp.refused($$SELECT erp._sequence_lock('b0000000-0000-4000-8000-00000000000b',
    'd0000000-0000-4000-8000-00000000000d', NULL)$$, 'ZE001', '_sequence_lock: missing row');
SELECT pg_temp.refused($$SELECT erp._sequence_duplicate('a0000000-0000-4000-8000-00000000000a',
    ARRAY[(SELECT s FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv())])$$, 'ZE002',
    '_sequence_duplicate: a row whose key is taken -> ZE002');
SELECT pg_temp.refused($$SELECT erp._sequence_check('d0000000-0000-4000-8000-00000000000d',
    ARRAY[(SELECT s FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv())], false)$$, 'ZE001',
    '_sequence_check: a reference to a missing row (the tenant) -> ZE001');
SELECT pg_temp.refused($$SELECT erp._sequence_check('a0000000-0000-4000-8000-00000000000a',
    ARRAY[(SELECT jsonb_populate_record(s, '{"step": 0}') FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv())],
    false)$$, 'ZE003', '_sequence_check: a CHECK constraint -> ZE003');
SELECT pg_temp.refused($$SELECT erp._sequence_check('a0000000-0000-4000-8000-00000000000a',
    ARRAY[(SELECT jsonb_populate_record(s, '{"name": null}') FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv())],
    false)$$, 'ZE003', '_sequence_check: a NOT NULL column -> ZE003');
SELECT throws_like($$SELECT erp._sequence_check('d0000000-0000-4000-8000-00000000000d',
    ARRAY[(SELECT s FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv())], false)$$,
    '%tenant refers to a record that does not exist%',
    'the foreign key message names the field from erp_meta.constraint_fields');
SELECT pg_temp.refused($$SELECT erp._sequence_write('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', NULL,
    (SELECT s FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv()),
    (SELECT jsonb_populate_record(s, '{"code": "M1"}') FROM erp.erp_sequences AS s WHERE s.id = pg_temp.inv()),
    'updated')$$, 'ZE002', '_sequence_write: a unique key taken by another row -> ZE002 (mapped, not 23505)');

-- ===== generate_writers refuses a table without the standard columns =======================
CREATE TABLE erp.zz_not_an_entity (tenant_id uuid NOT NULL, id uuid NOT NULL, name text);
INSERT INTO erp_meta.entity_types (entity_type, table_name, writer_prefix)
VALUES ('erp.test.zz', 'zz_not_an_entity', 'zz');
SELECT throws_ok($$SELECT erp_meta.generate_writers('erp.test.zz')$$, 'ZE003', NULL,
    'generate_writers: a table without version/active/created_at/updated_at');
SELECT is(to_regproc('erp._zz_insert'), NULL, 'no writer was generated for it');
DELETE FROM erp_meta.entity_types WHERE entity_type = 'erp.test.zz';
DROP TABLE erp.zz_not_an_entity;

-- ===== generated writers do not depend on the migrating session's search_path ============
-- (a column default erp.uuid_v7() generated under search_path = erp would be emitted as
-- uuid_v7() and fail at run time inside the pinned search_path of the generic writers)
SET LOCAL ROLE erp_owner;
CREATE TABLE erp.zz_things (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    label text NOT NULL DEFAULT erp.uuid_v7()::text,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT zz_things_pkey PRIMARY KEY (tenant_id, id)
);
INSERT INTO erp_meta.entity_types (entity_type, table_name, writer_prefix)
VALUES ('erp.test.thing', 'zz_things', 'zz_thing');
SET LOCAL search_path = erp, public;
SELECT erp_meta.regenerate_writers();
RESET search_path;
RESET ROLE;
SELECT is(
    (SELECT substr(erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
        NULL, 'erp.test.thing', '{}') ->> 'label', 15, 1)),
    '7',
    'a function default works in writers generated under another search_path'
);
DELETE FROM erp_meta.entity_types WHERE entity_type = 'erp.test.thing';
SET LOCAL client_min_messages = warning;
DROP TABLE erp.zz_things CASCADE;  -- with its generated writers
RESET client_min_messages;

-- after all of the above the trail of tenant A is sound
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify finds nothing wrong after inserts, updates, archive and restore');

SELECT * FROM finish();
ROLLBACK;
