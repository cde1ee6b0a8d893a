-- Locations and setup: erp.inventory_location_create / _update / _archive / _restore / _get /
-- _list and erp.inventory_setup (idempotent defaults and IN/OUT/INT sequences). Codes are keys
-- like base codes; the tree has no cycles; every refusal writes nothing; another tenant's
-- location is not found.
BEGIN;
\ir include/inventory_fixture.sql
SELECT plan(57);

-- ===== setup =================================================================================
SELECT is(
    (SELECT jsonb_object_agg(e.k, jsonb_build_array(e.v ->> 'code', e.v ->> 'usage', e.v ->> 'role',
        (e.v ->> 'id')::uuid = pg_temp.loc(e.v ->> 'code')))
     FROM jsonb_each(erp.inventory_setup('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'again')) AS e (k, v)),
    '{"stock": ["STOCK", "internal", "stock", true], "suppliers": ["SUPPLIERS", "supplier", "suppliers", true],
      "customers": ["CUSTOMERS", "customer", "customers", true],
      "inventory": ["INVENTORY-LOSS", "inventory", "inventory", true]}'::jsonb,
    'inventory_setup returns the four default locations, each of its usage'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e WHERE e.trace_id = 'again'), 0::bigint,
    'a second setup creates nothing (idempotent)');
SELECT is(
    (SELECT array_agg(s.code || ' ' || s.prefix || ' ' || s.reset ORDER BY s.code) FROM erp.erp_sequences AS s
     WHERE s.tenant_id = 'a0000000-0000-4000-8000-00000000000a'),
    ARRAY['IN IN/{YYYY}/ yearly', 'INT INT/{YYYY}/ yearly', 'OUT OUT/{YYYY}/ yearly'],
    'setup created the IN, OUT and INT sequences with a yearly reset');
SELECT is(
    (SELECT p.formatted FROM erp.sequence_peek('a0000000-0000-4000-8000-00000000000a', 'OUT', '2026-05-01') AS p),
    'OUT/2026/00001', 'the first delivery number of 2026');
SELECT throws_ok(
    $$SELECT erp.inventory_setup('d0000000-0000-4000-8000-00000000000d', NULL, 'SYSTEM', 'r')$$,
    'ZE006', NULL, 'setup of an unknown tenant is ZE006');

-- ===== create ================================================================================
SELECT is(
    (SELECT to_jsonb(l) - 'id' - 'created_at' - 'updated_at' - 'tenant_id'
     FROM erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', ' WH ', ' Warehouse ',
        'view') AS l),
    '{"code": "WH", "code_key": "wh", "name": "Warehouse", "usage": "view", "parent_id": null, "role": null,
      "active": true, "version": 1}'::jsonb,
    'location_create: code and name trimmed');
SELECT is(
    (SELECT l.parent_id = pg_temp.loc('WH') FROM erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 't', 'A1', 'Aisle 1', 'internal', pg_temp.loc('WH')) AS l),
    true, 'a location under a parent');
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'A1-S1', 'Shelf 1', 'internal',
    pg_temp.loc('A1'));
SELECT is(
    (SELECT e.event_type FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.loc('A1')),
    'erp.inventory.location.created', 'audited');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', 'ＷＨ', 'Again', 'internal')$$,
    'ZE002', 'a code equal after NFKC and case folding is ZE002');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', '  ', 'Blank', 'internal')$$,
    'ZE003', 'an empty code is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', repeat('X', 101), 'Long', 'internal')$$,
    'ZE003', 'a code of 101 characters is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', 'Z', repeat('n', 501), 'internal')$$,
    'ZE003', 'a name of 501 characters is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', 'Z', 'Zone', 'shop')$$,
    'ZE003', 'an unknown usage is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', 'Z', 'Zone', 'internal',
        'd0000000-0000-4000-8000-00000000000d')$$,
    'ZE001', 'an unknown parent is ZE001');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'r', 'Z', 'Zone', 'internal',
        pg_temp.loc('WH'))$$,
    'ZE001', 'another tenant''s location as parent is ZE001 (tenant isolation)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'BOT', 'r', 'Z', 'Zone', 'internal')$$,
    'ZE008', 'an unknown actor type is ZE008');

-- ===== update ================================================================================
SELECT is(
    (SELECT l.name || ' v' || l.version FROM erp.inventory_location_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
        't', pg_temp.loc('A1'), '{"name": "Aisle one"}') AS l),
    'Aisle one v2', 'location_update: a new name, a new version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('A1'),
        '{"usage": "customer"}')$$,
    'ZE003', 'usage is fixed at creation: ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('A1'),
        '{"role": "stock"}')$$,
    'ZE003', 'the default role is set by setup only: ZE003');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.inventory_location_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('WH'),
        '{"parent_id": "%s"}')$$, pg_temp.loc('A1-S1')),
    'ZE009', 'a parent inside the location itself is a cycle: ZE009');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.inventory_location_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('WH'),
        '{"parent_id": "%s"}')$$, pg_temp.loc('WH')),
    'ZE009', 'a location as its own parent is ZE009');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('A1'),
        '{"name": "x"}', 1)$$,
    'ZE004', 'a stale expected version is ZE004');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('A1'),
        '{"code": "stock"}')$$,
    'ZE002', 'renaming to a taken code is ZE002');
SELECT is(
    (SELECT l.parent_id IS NULL FROM erp.inventory_location_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.loc('A1-S1'), '{"parent_id": null}') AS l),
    true, 'a location can leave its parent');

-- ===== archive / restore =====================================================================
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('STOCK'))$$,
    'ZE005', 'a default location cannot be archived: ZE005');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('WH'))$$,
    'ZE005', 'a location with active children cannot be archived: ZE005');
SELECT erp.inventory_adjust('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.loc('A1-S1'),
    jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 2)));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('A1-S1'))$$,
    'ZE005', 'a location holding stock cannot be archived: ZE005');
SELECT erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'receipt',
    jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1)), p_to_location_id => pg_temp.loc('A1'));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('A1'))$$,
    'ZE005', 'a location that open moves use cannot be archived: ZE005');
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'B', 'Bay', 'internal');
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'B1', 'Bay 1', 'internal',
    pg_temp.loc('B'));
SELECT erp.inventory_location_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.loc('B1'));
SELECT is(
    (SELECT l.active FROM erp.inventory_location_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.loc('B')) AS l),
    false, 'location_archive: an empty location without active children');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_location_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('B1'))$$,
    'ZE009', 'restoring a location under an archived parent is ZE009');
SELECT erp.inventory_location_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.loc('B'));
SELECT is(
    (SELECT l.active FROM erp.inventory_location_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.loc('B1')) AS l),
    true, 'location_restore once the parent is back');

-- ===== get / list / isolation ================================================================
SELECT is(
    (erp.inventory_location_get('a0000000-0000-4000-8000-00000000000a', pg_temp.loc('A1'))).code, 'A1', 'location_get');
SELECT throws_ok(
    format($$SELECT erp.inventory_location_get('b0000000-0000-4000-8000-00000000000b', '%s')$$, pg_temp.loc('A1')),
    'ZE001', NULL, 'another tenant''s location is not found (ZE001)');
SELECT is(
    (SELECT array_agg(l.code ORDER BY l.code_key) FROM erp.inventory_location_list('a0000000-0000-4000-8000-00000000000a',
        p_usage => 'internal') AS l),
    ARRAY['A1', 'A1-S1', 'B', 'B1', 'STOCK'], 'location_list by usage, ordered by code');
SELECT is(
    (SELECT array_agg(l.code) FROM erp.inventory_location_list('a0000000-0000-4000-8000-00000000000a',
        p_parent_id => pg_temp.loc('WH')) AS l),
    ARRAY['A1'], 'location_list by parent');
SELECT is(
    (SELECT count(*) FROM erp.inventory_location_list('b0000000-0000-4000-8000-00000000000b')), 0::bigint,
    'another tenant lists none');
SELECT throws_ok(
    format($$SELECT erp.inventory_location_archive('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'r', '%s')$$,
        pg_temp.loc('A1-S1')),
    'ZE001', NULL, 'another tenant cannot archive it (ZE001)');
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$, 'audit_verify is clean');

SELECT * FROM finish();
ROLLBACK;
