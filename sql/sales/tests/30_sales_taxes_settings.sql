-- Taxes (erp.sales_tax_create / _update and the generated _archive / _restore / _get / _list)
-- and the per-tenant settings (erp.sales_settings_get / _set). Every refusal: SQLSTATE, then
-- nothing written (pg_temp.refused compares a fingerprint of every table).
BEGIN;
\ir ../../base/tests/include/core_helpers.sql
SELECT plan(67);
\ir include/sales_fixture.sql

-- ===== sales_tax_create ======================================================================
SELECT is(
    (SELECT to_jsonb(t) - 'id' - 'created_at' - 'updated_at'
    FROM erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', ' Vat19 ', ' VAT 19 % ', 19) AS t),
    '{"tenant_id": "a0000000-0000-4000-8000-00000000000a", "code": "Vat19", "code_key": "vat19", "name": "VAT 19 %",
      "rate": 19, "price_include": false, "active": true, "version": 1}'::jsonb,
    'sales_tax_create: trimmed code and name, excluded by default'
);
SELECT is(
    (SELECT jsonb_build_object('type', e.event_type, 'v', e.entity_version, 'rate', e.payload -> 'rate')
    FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.id('tax', 'Vat19')),
    '{"type": "erp.sales.tax.created", "v": 1, "rate": 19}'::jsonb,
    'one created event with the row'
);
SELECT is(
    (erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'FINE', 'Fine', 999.9999, true)).rate,
    999.9999::numeric,
    'a rate just below 1000 with 4 decimals'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'ＶＡＴ１９', 'x', 1)$$,
    'ZE002', 'a code equal after NFKC and case folding');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'R1', 'x', 1000)$$,
    'ZE003', 'rate 1000');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'R1', 'x', -0.0001)$$,
    'ZE003', 'a negative rate');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'R1', 'x', 1.00001)$$,
    'ZE003', 'five decimals');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'R1', 'x', 'NaN')$$,
    'ZE003', 'NaN rate');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'R1', 'x', NULL)$$,
    'ZE003', 'no rate');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', ' ', 'x', 1)$$,
    'ZE003', 'blank code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', repeat('x', 101), 'x', 1)$$,
    'ZE003', 'a code of 101 characters');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'R1', repeat('n', 100000), 1)$$,
    'ZE003', 'a name of 100000 characters');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'R' || chr(8203), 'x', 1)$$,
    'ZE003', 'a zero-width space in the code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'USER', 't', 'R1', 'x', 1)$$,
    'ZE008', 'USER without a user id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 't', 'R1', 'x', 1)$$,
    'ZE006', 'unknown tenant');
SELECT lives_ok(
    $$SELECT erp.sales_tax_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'VAT19', 'x', 19)$$,
    'the same code in another tenant'
);

-- ===== sales_tax_update ======================================================================
SELECT is(
    (SELECT jsonb_build_array(t.rate, t.price_include, t.version)
    FROM erp.sales_tax_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'Vat19'),
        '{"rate": 19.5, "price_include": true}', 1) AS t),
    '[19.5, true, 2]'::jsonb,
    'sales_tax_update: rate and price_include, version 2'
);
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.id('tax', 'Vat19') AND e.entity_version = 2),
    '{"rate": {"old": 19, "new": 19.5}, "price_include": {"old": false, "new": true}}'::jsonb,
    'the updated event shows the changes'
);
SELECT is(
    (erp.sales_tax_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'Vat19'),
        '{"rate": 19.5}')).version,
    2::bigint,
    'a patch that changes nothing writes nothing'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'Vat19'),
        '{"rate": 2}', 1)$$,
    'ZE004', 'a stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'Vat19'),
        '{"code_key": "x"}')$$,
    'ZE003', 'a key that may not change');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'Vat19'),
        '{"rate": 1000}')$$,
    'ZE003', 'a rate out of range');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'Vat19'),
        '{"code": "gst7"}')$$,
    'ZE002', 'a code another tax has');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_update('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'Vat19'),
        '{"rate": 1}')$$,
    'ZE001', 'tenant B cannot change tenant A''s tax');

-- ===== archive / restore / get / list (generated) ==========================================
SELECT is(
    (erp.sales_tax_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'FINE'))).active,
    false,
    'sales_tax_archive'
);
SELECT is(
    (erp.sales_tax_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'FINE'))).active,
    true,
    'sales_tax_restore'
);
SELECT is(
    (erp.sales_tax_get('a0000000-0000-4000-8000-00000000000a', pg_temp.id('tax', 'GST7'))).rate,
    7::numeric,
    'sales_tax_get'
);
SELECT throws_ok(
    $$SELECT erp.sales_tax_get('b0000000-0000-4000-8000-00000000000b', pg_temp.id('tax', 'GST7'))$$,
    'ZE001', NULL, 'another tenant''s tax is not found'
);
SELECT is(
    array(SELECT t.code FROM erp.sales_tax_list('a0000000-0000-4000-8000-00000000000a') AS t),
    '{FINE,GST7,VAT10,VAT10B,Vat19}'::text[],
    'sales_tax_list: active taxes by code'
);
SELECT is(
    (SELECT count(*) FROM erp.sales_tax_list('a0000000-0000-4000-8000-00000000000a', true)),
    6::bigint,
    'sales_tax_list with archived ones'
);
-- a draft order's line holds its tax
SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('tax_ids', jsonb_build_array(pg_temp.id('tax', 'GST7'))))));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_tax_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('tax', 'GST7'))$$,
    'ZE005', 'a tax a draft order uses is not archived');

-- ===== settings ================================================================================
SELECT is(
    (SELECT to_jsonb(s) - 'created_at' - 'updated_at' FROM erp.sales_settings_get('b0000000-0000-4000-8000-00000000000b') AS s),
    '{"tenant_id": "b0000000-0000-4000-8000-00000000000b", "id": null, "default_currency": "EUR",
      "tax_rounding": "per_line", "order_sequence_code": "SO", "active": true, "version": 0}'::jsonb,
    'sales_settings_get before any sales write: the defaults, version 0'
);
SELECT is(
    (SELECT jsonb_build_array(s.default_currency, s.tax_rounding, s.version) FROM erp.sales_settings_get('a0000000-0000-4000-8000-00000000000a') AS s),
    '["EUR", "per_line", 1]'::jsonb,
    'the first order stored the defaults'
);
SELECT is(
    (SELECT jsonb_build_array(s.prefix, s.reset) FROM erp.erp_sequences AS s
    WHERE s.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND s.code = 'SO'),
    '["SO/{YYYY}/", "yearly"]'::jsonb,
    'and created the SO sequence: prefix SO/{YYYY}/, yearly reset'
);
SELECT throws_ok(
    $$SELECT erp.sales_settings_get('c0000000-0000-4000-8000-00000000000c')$$,
    'ZE006', NULL, 'sales_settings_get of an unknown tenant'
);
SELECT is(
    (SELECT jsonb_build_array(s.default_currency, s.tax_rounding, s.order_sequence_code, s.version)
    FROM erp.sales_settings_set('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        '{"default_currency": "JPY", "tax_rounding": "global", "order_sequence_code": "JO"}') AS s),
    '["JPY", "global", "JO", 2]'::jsonb,
    'sales_settings_set on a tenant without settings: created (version 1), then patched (version 2)'
);
SELECT is(
    (SELECT jsonb_agg(e.event_type ORDER BY e.entity_version) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'b0000000-0000-4000-8000-00000000000b' AND e.entity_type = 'erp.sales.settings'),
    '["erp.sales.settings.created", "erp.sales.settings.updated"]'::jsonb,
    'both audited'
);
SELECT is(
    (SELECT s.prefix FROM erp.erp_sequences AS s WHERE s.tenant_id = 'b0000000-0000-4000-8000-00000000000b' AND s.code = 'JO'),
    'JO/{YYYY}/',
    'a new sequence code gets its sequence'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_settings_set('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', '{"default_currency": "XYZ"}')$$,
    'ZE003', 'an unknown currency');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_settings_set('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', '{"tax_rounding": "weekly"}')$$,
    'ZE003', 'an unknown rounding method');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_settings_set('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', '{"order_sequence_code": " "}')$$,
    'ZE003', 'a blank sequence code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_settings_set('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', '{"colour": "red"}')$$,
    'ZE003', 'an unknown key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_settings_set('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 't', '{}')$$,
    'ZE006', 'unknown tenant');

SELECT is_empty(
    $$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')
    UNION ALL SELECT * FROM erp.audit_verify('b0000000-0000-4000-8000-00000000000b')$$,
    'audit_verify is clean after the writes'
);

SELECT * FROM finish();
ROLLBACK;
