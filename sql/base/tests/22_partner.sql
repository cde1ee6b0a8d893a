-- Partners: erp.partner_create / _update / _archive / _restore / _get / _list. Companies and
-- persons, parent companies (no cycles, a parent is an active company), code and tax id keys
-- (trim + NFKC + case folding), email/phone/address validation, in-use refusals, audit events.
-- Every refusal of a write: SQLSTATE, then "nothing written" (no row, no audit event).
BEGIN;
\ir include/core_helpers.sql
SELECT plan(136);

\ir include/master_data.sql

-- ===== partner_create =======================================================================
SELECT is(
    (SELECT to_jsonb(p) - 'id' - 'created_at' - 'updated_at'
    FROM erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', ' ACME ', ' Acme Corp ') AS p),
    '{"tenant_id": "a0000000-0000-4000-8000-00000000000a", "code": "ACME", "code_key": "acme",
      "name": "Acme Corp", "kind": "company", "parent_id": null, "email": null, "phone": null,
      "tax_id": null, "tax_id_key": null, "address": {}, "is_customer": true, "is_supplier": false,
      "active": true, "version": 1}'::jsonb,
    'partner_create: a company with the defaults, code and name trimmed'
);
SELECT is(
    (SELECT jsonb_build_object('type', e.event_type, 'v', e.entity_version, 'payload_is_row', e.payload = pg_temp.snap(to_jsonb(p)))
    FROM erp.erp_audit_events AS e INNER JOIN erp.erp_partners AS p ON e.entity_id = p.id WHERE p.code = 'ACME'),
    '{"type": "erp.base.partner.created", "v": 1, "payload_is_row": true}'::jsonb,
    'the created event carries the row'
);
SELECT is(
    (SELECT to_jsonb(p) - 'id' - 'created_at' - 'updated_at' - 'tenant_id' - 'code_key' - 'active' - 'version'
    FROM erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'JANE', 'Jane Doe', 'person',
        pg_temp.partner('acme'), ' jane@acme.test ', ' +49 30 1234 ', ' de-111 ', '{"city": "Berlin"}', false, true) AS p),
    jsonb_build_object('code', 'JANE', 'name', 'Jane Doe', 'kind', 'person', 'parent_id', pg_temp.partner('ACME'),
        'email', 'jane@acme.test', 'phone', '+49 30 1234', 'tax_id', 'de-111', 'tax_id_key', 'de-111',
        'address', '{"city": "Berlin"}'::jsonb, 'is_customer', false, 'is_supplier', true),
    'a person of a company with every field (email, phone and tax id trimmed)'
);
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'SUB', 'Acme Sub', 'company', pg_temp.partner('ACME'),
    p_tax_id => 'DE123');
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'BOB', 'Bob', 'person', pg_temp.partner('SUB'));
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'SUPP', 'Supplier', p_is_customer => false,
    p_is_supplier => true);
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'SOLO', 'Solo', 'person');
SELECT is(
    (SELECT count(*) FROM erp.erp_partners AS p WHERE p.tax_id IS NULL),
    4::bigint,
    'any number of partners may have no tax id'
);

-- code and tax id keys
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'acme', 'x')$$,
    'ZE002', 'code acme collides with ACME');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'ＡＣＭＥ', 'x')$$,
    'ZE002', 'code ＡＣＭＥ collides with ACME (NFKC)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_tax_id => ' de123 ')$$,
    'ZE002', 'tax id " de123 " collides with DE123');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_tax_id => 'ＤＥ１２３')$$,
    'ZE002', 'full-width tax id collides with DE123');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', ' ', 'x')$$,
    'ZE003', 'blank code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', NULL, 'x')$$,
    'ZE003', 'NULL code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', '')$$,
    'ZE003', 'empty name');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_tax_id => '')$$,
    'ZE003', 'empty tax id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_tax_id => E' \t ')$$,
    'ZE003', 'whitespace-only tax id');
-- fields
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', 'robot')$$,
    'ZE003', 'unknown kind');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_email => 'nope')$$,
    'ZE003', 'email without @');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_email => 'a@b')$$,
    'ZE003', 'email without a dotted domain');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_email => 'a b@c.de')$$,
    'ZE003', 'email with a space');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_email => '')$$,
    'ZE003', 'empty email (NULL means none)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_phone => '  ')$$,
    'ZE003', 'blank phone');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_phone => repeat('1', 51))$$,
    'ZE003', 'phone longer than 50 characters');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_address => '["Main St"]')$$,
    'ZE003', 'address that is not an object');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', p_is_customer => NULL)$$,
    'ZE003', 'NULL is_customer');
-- parent
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', 'person',
        'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'unknown parent');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', 'person', pg_temp.partner('JANE'))$$,
    'ZE009', 'a person as parent');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'USER', 't', 'X1', 'x')$$,
    'ZE008', 'partner_create: USER without user id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('e0000000-0000-4000-8000-00000000000e', NULL, 'SYSTEM', 't', 'X1', 'x')$$,
    'ZE006', 'partner_create: unknown tenant');

-- ===== get / list ===========================================================================
SELECT is((erp.partner_get('a0000000-0000-4000-8000-00000000000a', pg_temp.partner('JANE'))).email, 'jane@acme.test',
    'partner_get');
SELECT throws_ok(
    $$SELECT erp.partner_get('a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', NULL, 'partner_get: unknown id');
SELECT is(
    array(SELECT p.code FROM erp.partner_list('a0000000-0000-4000-8000-00000000000a') AS p),
    ARRAY['ACME', 'BOB', 'JANE', 'SOLO', 'SUB', 'SUPP'],
    'partner_list: ordered by code key'
);
SELECT is(
    array(SELECT p.code FROM erp.partner_list('a0000000-0000-4000-8000-00000000000a', p_kind => 'person') AS p),
    ARRAY['BOB', 'JANE', 'SOLO'],
    'partner_list by kind'
);
SELECT is(
    array(SELECT p.code FROM erp.partner_list('a0000000-0000-4000-8000-00000000000a', p_parent_id => pg_temp.partner('ACME')) AS p),
    ARRAY['JANE', 'SUB'],
    'partner_list by parent (direct members only)'
);
SELECT is(
    array(SELECT p.code FROM erp.partner_list('a0000000-0000-4000-8000-00000000000a', p_is_supplier => true) AS p),
    ARRAY['JANE', 'SUPP'],
    'partner_list: suppliers'
);
SELECT is(
    array(SELECT p.code FROM erp.partner_list('a0000000-0000-4000-8000-00000000000a', p_is_customer => false) AS p),
    ARRAY['JANE', 'SUPP'],
    'partner_list: not customers'
);

-- ===== partner_update =======================================================================
SELECT is(
    (SELECT (p.name, p.email, p.version)::text FROM erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 't', pg_temp.partner('SOLO'), '{"name": "Solo Act", "email": "solo@example.org"}') AS p),
    '("Solo Act",solo@example.org,2)',
    'partner_update: two fields, version 2'
);
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.partner('SOLO') AND e.entity_version = 2),
    '{"name": {"old": "Solo", "new": "Solo Act"}, "email": {"old": null, "new": "solo@example.org"}}'::jsonb,
    'the updated event records both changes'
);
SELECT is(
    (SELECT p.version FROM erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.partner('SOLO'), '{"name": "Solo Act", "email": " solo@example.org "}') AS p),
    2::bigint,
    'a patch that changes nothing keeps the version'
);
SELECT is(pg_temp.events('a0000000-0000-4000-8000-00000000000a', pg_temp.partner('SOLO')), 2::bigint,
    '... and writes no event');
SELECT is(
    (SELECT (p.email IS NULL, p.address, p.version)::text FROM erp.partner_update('a0000000-0000-4000-8000-00000000000a',
        NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"email": null, "address": {"zip": "10115"}}', 2) AS p),
    '(t,"{""zip"": ""10115""}",3)',
    'NULL clears the email; the address is replaced; expected version honoured'
);
SELECT is(
    (SELECT p.kind FROM erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.partner('SOLO'), '{"kind": "company"}') AS p),
    'company',
    'a person without a parent may become a company'
);
SELECT is(
    (SELECT p.parent_id FROM erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.partner('BOB'), jsonb_build_object('parent_id', pg_temp.partner('ACME'))) AS p),
    pg_temp.partner('ACME'),
    'a contact moves to another company'
);
SELECT is(
    (SELECT p.parent_id FROM erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.partner('SUPP'), jsonb_build_object('parent_id', pg_temp.partner('SUB'))) AS p),
    pg_temp.partner('SUB'),
    'a company may belong to a company (SUPP -> SUB -> ACME)'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'),
        jsonb_build_object('parent_id', pg_temp.partner('ACME')))$$,
    'ZE009', 'partner_update: its own parent');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'),
        jsonb_build_object('parent_id', pg_temp.partner('SUB')))$$,
    'ZE009', 'partner_update: a two-partner cycle');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'),
        jsonb_build_object('parent_id', pg_temp.partner('SUPP')))$$,
    'ZE009', 'partner_update: a three-partner cycle');
SELECT throws_like(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'),
        jsonb_build_object('parent_id', pg_temp.partner('SUPP')))$$,
    '%ACME cannot belong to SUPP%',
    'the cycle message names both partners'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'),
        jsonb_build_object('parent_id', pg_temp.partner('JANE')))$$,
    'ZE009', 'partner_update: a person as parent');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'),
        '{"parent_id": "f0000000-0000-4000-8000-0000000000ff"}')$$,
    'ZE001', 'partner_update: unknown parent');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'), '{"kind": "person"}')$$,
    'ZE005', 'partner_update: a company with contacts cannot become a person');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"tax_id": "De123"}')$$,
    'ZE002', 'partner_update: tax id of another partner');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"code": "jane"}')$$,
    'ZE002', 'partner_update: code of another partner');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"email": "x@"}')$$,
    'ZE003', 'partner_update: bad email');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"is_customer": "maybe"}')$$,
    'ZE003', 'partner_update: is_customer of the wrong type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"address": null}')$$,
    'ZE003', 'partner_update: NULL address');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"tax_id_key": "x"}')$$,
    'ZE003', 'partner_update: generated tax_id_key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"version": 9}')$$,
    'ZE003', 'partner_update: version is not a patch key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), '{"name": "x"}', 1)$$,
    'ZE004', 'partner_update: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        'f0000000-0000-4000-8000-0000000000ff', '{"name": "x"}')$$,
    'ZE001', 'partner_update: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), NULL)$$,
    'ZE003', 'partner_update: NULL patch');

-- ===== archive / restore ====================================================================
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'))$$,
    'ZE005', 'partner_archive: a company with active contacts');
SELECT throws_like(
    $$SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'))$$,
    '%still has 3 active contact(s): BOB, JANE, SUB%',
    'the in-use message names the contacts'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SUB'))$$,
    'ZE005', 'partner_archive: a company with an active member company');
SELECT is(
    (SELECT (p.active, p.version)::text FROM erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 'trace-arch', pg_temp.partner('JANE'), 1) AS p),
    '(f,2)',
    'partner_archive: a contact, version + 1'
);
SELECT is(
    (SELECT e.event_type || ' ' || e.changes::text FROM erp.erp_audit_events AS e
    WHERE e.entity_id = pg_temp.partner('JANE') AND e.entity_version = 2),
    'erp.base.partner.archived {"active": {"new": false, "old": true}}',
    'the archived event'
);
SELECT is(
    (SELECT p.version FROM erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('JANE')) AS p),
    2::bigint,
    'archiving an archived partner returns it unchanged'
);
SELECT is(pg_temp.events('a0000000-0000-4000-8000-00000000000a', pg_temp.partner('JANE')), 2::bigint, '... and writes no event');
SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('BOB'));
SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SUPP'));
SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SUB'));
SELECT is(
    (erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'))).active,
    false,
    'a company whose contacts are all archived can be archived'
);
SELECT is(
    array(SELECT p.code FROM erp.partner_list('a0000000-0000-4000-8000-00000000000a') AS p),
    ARRAY['SOLO'],
    'partner_list hides archived partners'
);
SELECT is(
    array(SELECT p.code FROM erp.partner_list('a0000000-0000-4000-8000-00000000000a', true, p_parent_id => pg_temp.partner('ACME')) AS p),
    ARRAY['BOB', 'JANE', 'SUB'],
    'partner_list with p_include_archived shows them'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'), '{"kind": "person"}')$$,
    'ZE005', 'partner_update: archived contacts still keep a company a company');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', 'person', pg_temp.partner('ACME'))$$,
    'ZE009', 'partner_create: an archived parent');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'),
        jsonb_build_object('parent_id', pg_temp.partner('ACME')))$$,
    'ZE009', 'partner_update: an archived parent');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('JANE'))$$,
    'ZE009', 'partner_restore: a contact of an archived company');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('ACME'), 1)$$,
    'ZE004', 'partner_restore: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'partner_restore: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'partner_archive: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('SOLO'), 1)$$,
    'ZE004', 'partner_archive: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'NOBODY', 't', pg_temp.partner('SOLO'))$$,
    'ZE008', 'partner_archive: unknown actor type');
SELECT is(
    (SELECT (p.active, p.version)::text FROM erp.partner_restore('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 'trace-rest', pg_temp.partner('ACME')) AS p),
    '(t,3)',
    'partner_restore: the company, version + 1'
);
SELECT is(
    (SELECT e.event_type FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.partner('ACME') AND e.entity_version = 3),
    'erp.base.partner.restored',
    'the restored event'
);
SELECT is(
    (erp.partner_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('JANE'))).active,
    true,
    'then its contact'
);
SELECT is(
    (SELECT p.version FROM erp.partner_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('JANE')) AS p),
    3::bigint,
    'restoring an active partner returns it unchanged'
);
SELECT is(
    (SELECT p.parent_id IS NULL FROM erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.partner('BOB'), '{"parent_id": null}') AS p),
    true,
    'an archived contact may leave its company'
);
SELECT is(
    (erp.partner_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.partner('BOB'))).active,
    true,
    'a partner without parent is always restorable'
);

-- ===== privileges ===========================================================================
SELECT pg_temp.lives_as('erp_app',
    $$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000001', 'USER', 't',
        'APP', 'Created by the app')$$,
    'erp_app may call partner_create');
SELECT pg_temp.throws_as('erp_app', $$SELECT count(*) FROM erp.erp_partners$$, '42501',
    'erp_app cannot read the partner table');
SELECT pg_temp.throws_as('erp_app', $$SELECT erp._tenant_lock('a0000000-0000-4000-8000-00000000000a')$$, '42501',
    'erp_app cannot call the internal helpers');

SELECT is_empty(
    $$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify finds nothing wrong after all of the above'
);

SELECT * FROM finish();
ROLLBACK;
