-- Orders and lines: erp.sales_order_create / _update / _get / _list, sales_order_line_add /
-- _update / _remove, sales_order_confirm / _cancel. Amounts stored as the rules say (JPY, KWD,
-- per_line, global), one event per record written, the order's version moving with every line
-- change, states, numbers at commit, hooks called with the record, tenant isolation. Every
-- refusal: SQLSTATE, then nothing written (no row, no event: pg_temp.refused).
-- Commit is simulated as in base's 60_numbers_at_commit.sql: SET CONSTRAINTS ALL IMMEDIATE
-- fires the deferred trigger that writes the number, as COMMIT would.
BEGIN;
\ir ../../base/tests/include/core_helpers.sql
SELECT plan(179);
\ir include/sales_fixture.sql

-- ---- a test hook on confirm and cancel (registered as a module's migration would) ----------
SET LOCAL ROLE erp_owner;
CREATE TABLE erp.sales_test_hook_calls (
    tenant_id uuid NOT NULL, n bigint GENERATED ALWAYS AS IDENTITY, record jsonb NOT NULL,
    PRIMARY KEY (tenant_id, n)
);
CREATE FUNCTION erp._sales_test_hook(p_tenant_id uuid, p_record jsonb) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF p_record -> 'order' ->> 'note' = 'refuse' THEN
        RAISE EXCEPTION 'refused by a hook' USING ERRCODE = 'ZE009';
    END IF;
    INSERT INTO erp.sales_test_hook_calls (tenant_id, record) VALUES (p_tenant_id, p_record);
END
$fn$;
SELECT set_config('erp.module', 'sales', true);
SELECT erp_meta.hook_register('erp.sales.order.confirm', 'erp._sales_test_hook(uuid,jsonb)', 900);
SELECT erp_meta.hook_register('erp.sales.order.cancel', 'erp._sales_test_hook(uuid,jsonb)', 900);
SELECT set_config('erp.module', '', true);
RESET ROLE;

-- the events of one entity, in order
CREATE FUNCTION pg_temp.trail(p_id uuid) RETURNS jsonb
LANGUAGE sql STABLE
AS $fn$
    SELECT coalesce(jsonb_agg(e.event_type ORDER BY e.entity_version NULLS LAST, e.id), '[]')
    FROM erp.erp_audit_events AS e WHERE e.entity_id = p_id
$fn$;
-- an order's line id by position
CREATE FUNCTION pg_temp.line_id(p_order uuid, p_position integer) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT l.id FROM erp.sales_order_lines AS l WHERE l.order_id = p_order AND l.position = p_position
$fn$;
CREATE FUNCTION pg_temp.amounts(p_order jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT jsonb_build_array(p_order -> 'amount_untaxed', p_order -> 'amount_tax', p_order -> 'amount_total')
$fn$;

-- ===== sales_order_create ======================================================================
SELECT pg_temp.order_of(jsonb_build_array(
    pg_temp.line('WIDGET', 1, jsonb_build_object('price_unit', 100,
        'tax_ids', jsonb_build_array(pg_temp.id('tax', 'VAT10'), pg_temp.id('tax', 'VAT10B')))),
    pg_temp.line('SERVICE', 2, jsonb_build_object('description', ' Setup ', 'discount', 10)))) AS o1 \gset
SELECT is(
    pg_temp.o(:'o1') - 'id' - 'lines' - 'created_at' - 'updated_at' - 'order_date' - 'partner_id',
    '{"tenant_id": "a0000000-0000-4000-8000-00000000000a", "number": null, "currency": "EUR", "state": "draft",
      "tax_rounding": "per_line", "amount_untaxed": 101.34, "amount_tax": 16.66, "amount_total": 118.00,
      "note": null, "lines_version": 0, "active": true, "version": 1}'::jsonb,
    'sales_order_create: a draft without number, EUR and per_line from the settings, amounts stored'
);
SELECT is(
    (pg_temp.o(:'o1') ->> 'order_date')::date,
    current_date,
    'the order date defaults to today in the tenant''s zone (UTC)'
);
SELECT is(
    (SELECT jsonb_agg(x - 'id' - 'order_id' - 'tenant_id' - 'created_at' - 'updated_at' - 'product_id' - 'uom_id' - 'tax_ids')
    FROM jsonb_array_elements(pg_temp.o(:'o1') -> 'lines') AS x),
    '[{"position": 1, "description": null, "quantity": 1, "price_unit": 100, "discount": 0, "price_subtotal": 83.34,
       "price_tax": 16.66, "price_total": 100.00, "qty_delivered": 0, "active": true, "version": 1},
      {"position": 2, "description": "Setup", "quantity": 2, "price_unit": 10, "discount": 10, "price_subtotal": 18.00,
       "price_tax": 0, "price_total": 18.00, "qty_delivered": 0, "active": true, "version": 1}]'::jsonb,
    'lines in position order: 100 with two 10 % included taxes = 83.34 + 8.33 + 8.33; price defaults to the list price; 2 x 10 less 10 % = 18'
);
SELECT is(
    (SELECT count(DISTINCT e.xact_id) FROM erp.erp_audit_events AS e
    WHERE e.entity_id = :'o1' OR e.entity_id IN (SELECT l.id FROM erp.sales_order_lines AS l WHERE l.order_id = :'o1')),
    1::bigint,
    'order and lines written in one transaction'
);
SELECT is(
    (SELECT jsonb_build_array(x ->> 'uom_id' = pg_temp.id('uom', 'PCE')::text, jsonb_typeof(x -> 'tax_ids'), x -> 'tax_ids' -> 0 = to_jsonb(pg_temp.id('tax', 'VAT10')))
    FROM (SELECT pg_temp.o(:'o1') -> 'lines' -> 0 AS x) AS first_line),
    '[true, "array", true]'::jsonb,
    'the unit defaults to the product''s; tax_ids is an array of id strings'
);
SELECT is(
    (SELECT jsonb_agg(e.event_type ORDER BY e.id) FROM erp.erp_audit_events AS e
    WHERE e.entity_id = :'o1' OR e.entity_id IN (SELECT l.id FROM erp.sales_order_lines AS l WHERE l.order_id = :'o1')),
    '["erp.sales.order.created", "erp.sales.order_line.created", "erp.sales.order_line.created"]'::jsonb,
    'one created event per record'
);
SELECT is(
    pg_temp.amounts(erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        '2026-01-15', 'JPY', jsonb_build_array(pg_temp.line('WIDGET', 3, '{"price_unit": 333.3}'),
        pg_temp.line('WIDGET', 1, jsonb_build_object('price_unit', 1000, 'tax_ids', jsonb_build_array(pg_temp.id('tax', 'GST7'))))))),
    '[2000, 70, 2070]'::jsonb,
    'a JPY order: 3 x 333.3 = 999.9 -> 1000 yen, 7 % of 1000 = 70'
);
SELECT is(
    pg_temp.amounts(erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        NULL, 'KWD', jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('price_unit', 1.2345,
        'tax_ids', jsonb_build_array(pg_temp.id('tax', 'GST7'))))))),
    '[1.235, 0.086, 1.321]'::jsonb,
    'a KWD order: 3 decimals, 7 % of 1.2345 = 0.086415 -> 0.086'
);
SELECT is(
    erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        p_note => 'empty') -> 'lines',
    '[]'::jsonb,
    'an order without lines'
);

-- refusals of create
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', gen_random_uuid())$$,
    'ZE001', 'a missing partner');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.id('partner', 'CUST', 'b0000000-0000-4000-8000-00000000000b'))$$,
    'ZE001', 'another tenant''s partner');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'SUPP'))$$,
    'ZE009', 'a partner that is not a customer');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'GONE'))$$,
    'ZE009', 'an archived partner');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        p_currency => 'eur')$$,
    'ZE003', 'an unknown currency (codes are capitals)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        p_order_date => 'infinity')$$,
    'ZE003', 'an infinite order date');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        p_note => repeat('n', 20000))$$,
    'ZE003', 'a note over 16 kB');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        p_lines => '{"product_id": 1}')$$,
    'ZE003', 'p_lines not an array');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        p_lines => NULL)$$,
    'ZE003', 'p_lines NULL');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        p_lines => (SELECT jsonb_agg(pg_temp.line('WIDGET', 1)) FROM generate_series(1, 1001)))$$,
    'ZE003', '1001 lines');
-- a huge input is refused before any line is looked at (100000 lines of 1 kB)
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'),
        p_lines => (SELECT jsonb_agg(jsonb_build_object('product_id', NULL, 'quantity', 1, 'description', repeat('x', 1000)))
            FROM generate_series(1, 100000)))$$,
    'ZE003', 'a huge p_lines');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, '{"price_total": 1}')))$$,
    'ZE003', 'a line key that may not be given');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 0)))$$,
    'ZE003', 'quantity 0');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, '{"quantity": "many"}')))$$,
    'ZE003', 'a quantity that is not a number');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, '{"quantity": 1e300}')))$$,
    'ZE003', 'a quantity too large');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, '{"price_unit": -1}')))$$,
    'ZE003', 'a negative price');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, '{"discount": 100.01}')))$$,
    'ZE003', 'a discount above 100');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('description', repeat('d', 501)))))$$,
    'ZE003', 'a description over 500 characters');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(jsonb_build_object('quantity', 1)))$$,
    'ZE003', 'a line without product');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(jsonb_build_object('product_id', gen_random_uuid(), 'quantity', 1)))$$,
    'ZE001', 'a missing product');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('OLD', 1)))$$,
    'ZE009', 'an archived product');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('uom_id', pg_temp.id('uom', 'KG')))))$$,
    'ZE009', 'a unit of another category');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('uom_id', gen_random_uuid()))))$$,
    'ZE001', 'a missing unit');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('tax_ids', jsonb_build_array(gen_random_uuid())))))$$,
    'ZE001', 'a missing tax');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('tax_ids',
        jsonb_build_array(pg_temp.id('tax', 'VAT10', 'b0000000-0000-4000-8000-00000000000b'))))))$$,
    'ZE001', 'another tenant''s tax');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('tax_ids', jsonb_build_array(pg_temp.id('tax', 'OLDTAX'))))))$$,
    'ZE009', 'an archived tax');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('tax_ids',
        jsonb_build_array(pg_temp.id('tax', 'GST7'), pg_temp.id('tax', 'GST7'))))))$$,
    'ZE003', 'a tax named twice');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, '{"tax_ids": "VAT10"}')))$$,
    'ZE003', 'tax_ids not an array');
SELECT * FROM pg_temp.refused(
    $$SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, '{"tax_ids": ["not-a-uuid"]}')))$$,
    'ZE003', 'tax_ids with something that is not an id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'ROBOT', 't', pg_temp.id('partner', 'CUST'))$$,
    'ZE008', 'an unknown actor type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 't', pg_temp.id('partner', 'CUST'))$$,
    'ZE006', 'an unknown tenant');

-- ===== get and list ============================================================================
SELECT throws_ok(
    format('SELECT erp.sales_order_get(%L, %L)', 'b0000000-0000-4000-8000-00000000000b', :'o1'),
    'ZE001', NULL, 'another tenant''s order is not found'
);
SELECT throws_ok(
    $$SELECT erp.sales_order_get('a0000000-0000-4000-8000-00000000000a', gen_random_uuid())$$,
    'ZE001', NULL, 'a missing order'
);
SELECT is(
    (SELECT count(*) FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a')),
    4::bigint,
    'sales_order_list: the tenant''s four orders'
);
SELECT is(
    (SELECT count(*) FROM erp.sales_order_list('b0000000-0000-4000-8000-00000000000b')),
    0::bigint,
    'tenant B sees none of them'
);
SELECT is(
    array(SELECT o.currency FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a', p_limit => 2) AS o),
    '{EUR,JPY}'::text[],
    'in creation order, p_limit'
);
SELECT is(
    array(SELECT o.currency FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a',
        p_after => (SELECT o.id FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a', p_limit => 2) AS o
            ORDER BY o.id DESC LIMIT 1)) AS o),
    '{KWD,EUR}'::text[],
    'the next page after the last id'
);
SELECT is(
    (SELECT count(*) FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a', 'draft', pg_temp.id('partner', 'CUST'))),
    4::bigint,
    'state and partner filters'
);
SELECT is(
    (SELECT count(*) FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a', p_partner_id => pg_temp.id('partner', 'SUPP'))),
    0::bigint,
    'another partner has none'
);
SELECT throws_ok(
    $$SELECT * FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a', 'quotation')$$,
    'ZE003', NULL, 'an unknown state'
);
SELECT throws_ok(
    $$SELECT * FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a', p_limit => 0)$$,
    'ZE003', NULL, 'p_limit 0'
);
SELECT throws_ok(
    $$SELECT * FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a', p_limit => 99999999999)$$,
    'ZE003', NULL, 'p_limit too large'
);

-- ===== sales_order_update ======================================================================
SELECT is(
    (SELECT jsonb_build_array(o ->> 'note', o -> 'version')
    FROM erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'o1', '{"note": "rush"}', 1) AS o),
    '["rush", 2]'::jsonb,
    'sales_order_update: the note, version 2'
);
SELECT is(
    (erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'o1', '{"note": "rush"}') -> 'version'),
    '2'::jsonb,
    'a patch that changes nothing writes nothing'
);
SELECT is(
    pg_temp.amounts(erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'o1', '{"currency": "JPY"}', 2)),
    '[102, 16, 118]'::jsonb,
    'a new currency: the amounts are rounded at its minor unit again (100 yen with two included 10 %: 84 + 8 + 8)'
);
SELECT is(
    pg_temp.trail(pg_temp.line_id(:'o1', 1)),
    '["erp.sales.order_line.created", "erp.sales.order_line.updated"]'::jsonb,
    'the lines whose amounts moved were written'
);
SELECT lives_ok(
    format($$SELECT erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"currency": "EUR"}', 3)$$, :'o1'),
    'back to EUR'
);
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"note": "x"}', 1)$$, :'o1'),
    'ZE004', 'update with a stale version');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"state": "confirmed"}')$$, :'o1'),
    'ZE003', 'the state is not patched');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"amount_total": 1}')$$, :'o1'),
    'ZE003', 'amounts are not patched');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"currency": "XXY"}')$$, :'o1'),
    'ZE003', 'an unknown currency');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, %L)$$, :'o1',
        jsonb_build_object('partner_id', pg_temp.id('partner', 'SUPP'))),
    'ZE009', 'a partner that is not a customer');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_update('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', %L, '{"note": "x"}')$$, :'o1'),
    'ZE001', 'tenant B cannot update tenant A''s order');

-- ===== lines: add, update, remove (the ORDER's version) ======================================
SELECT is(
    (SELECT jsonb_build_array(o -> 'version', o -> 'lines_version', jsonb_array_length(o -> 'lines'), o -> 'lines' -> 2 -> 'position',
        o -> 'amount_total')
    FROM erp.sales_order_line_add('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'o1',
        pg_temp.line('WIDGET', 2, jsonb_build_object('uom_id', pg_temp.id('uom', 'DOZ'), 'price_unit', 5,
            'tax_ids', jsonb_build_array(pg_temp.id('tax', 'GST7')))), 4) AS o),
    '[5, 1, 3, 3, 128.70]'::jsonb,
    'sales_order_line_add: position 3 in dozens, order version 5, total 118 + 10 + 0.70'
);
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e WHERE e.entity_id = :'o1' AND e.entity_version = 5),
    '{"lines_version": {"old": 0, "new": 1}, "amount_untaxed": {"old": 101.34, "new": 111.34},
      "amount_tax": {"old": 16.66, "new": 17.36}, "amount_total": {"old": 118.00, "new": 128.70}}'::jsonb,
    'the order event shows what changed'
);
SELECT is(
    (SELECT jsonb_build_array(o -> 'version', o -> 'amount_total', o -> 'lines' -> 2 -> 'quantity')
    FROM erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.line_id(:'o1', 3),
        '{"quantity": 4}', 5) AS o),
    '[6, 139.40]'::jsonb || '[4]'::jsonb,
    'sales_order_line_update: quantity 4, order version 6'
);
SELECT is(
    (erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.line_id(:'o1', 3),
        '{"quantity": 4}', 6) -> 'version'),
    '6'::jsonb,
    'a line patch that changes nothing writes nothing'
);
SELECT is(
    (SELECT jsonb_build_array(o -> 'version', o -> 'amount_total')
    FROM erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.line_id(:'o1', 3),
        '{"description": "Blue"}', 6) AS o),
    '[7, 139.40]'::jsonb,
    'a line change that keeps the amounts still moves the order''s version'
);
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e WHERE e.entity_id = :'o1' AND e.entity_version = 7),
    '{"lines_version": {"old": 2, "new": 3}}'::jsonb,
    'its order event shows the line change'
);
SELECT is(
    (SELECT jsonb_build_array(o -> 'lines' -> 2 -> 'uom_id' = to_jsonb(pg_temp.id('uom', 'PCE')), o -> 'lines' -> 2 -> 'tax_ids')
    FROM erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.line_id(:'o1', 3),
        '{"product_id": null, "tax_ids": []}'::jsonb || jsonb_build_object('product_id', pg_temp.id('product', 'SERVICE')), 7) AS o),
    '[true, []]'::jsonb,
    'a new product without a unit takes the product''s unit; tax_ids patched'
);
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"quantity": 5}', 7)$$,
        pg_temp.line_id(:'o1', 3)),
    'ZE004', 'a line update with the order''s stale version');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"price_subtotal": 5}')$$,
        pg_temp.line_id(:'o1', 3)),
    'ZE003', 'a stored amount is not patched');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"qty_delivered": 5}')$$,
        pg_temp.line_id(:'o1', 3)),
    'ZE003', 'qty_delivered is the bridge''s');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"quantity": -1}')$$,
        pg_temp.line_id(:'o1', 3)),
    'ZE003', 'a negative quantity');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, %L)$$,
        pg_temp.line_id(:'o1', 3), jsonb_build_object('tax_ids', jsonb_build_array(pg_temp.id('tax', 'OLDTAX')))),
    'ZE009', 'an archived tax');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', %L, '{"quantity": 5}')$$,
        pg_temp.line_id(:'o1', 3)),
    'ZE001', 'tenant B cannot change tenant A''s line');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, %L)$$,
        pg_temp.line_id(:'o1', 3), jsonb_build_object('product_id', gen_random_uuid())),
    'ZE001', 'a line patched to a missing product');
SELECT pg_temp.order_of((SELECT jsonb_agg(pg_temp.line('WIDGET', 1)) FROM generate_series(1, 1000))) AS full_order \gset
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_add('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, %L)$$,
        :'full_order', pg_temp.line('WIDGET', 1)),
    'ZE003', 'a 1001st line');
SELECT erp.sales_order_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'full_order');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_add('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, %L, 1)$$,
        :'o1', pg_temp.line('WIDGET', 1)),
    'ZE004', 'a line add with a stale version');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_add('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '[]')$$, :'o1'),
    'ZE003', 'a line that is not an object');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_add('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', %L, %L)$$,
        :'o1', pg_temp.line('WIDGET', 1)),
    'ZE001', 'tenant B cannot add to tenant A''s order');
SELECT is(
    (SELECT jsonb_build_array(o -> 'version', jsonb_array_length(o -> 'lines'), o -> 'amount_total')
    FROM erp.sales_order_line_remove('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.line_id(:'o1', 2), 8) AS o),
    '[9, 2, 120.00]'::jsonb,
    'sales_order_line_remove: the line leaves "lines" and the amounts, order version 9'
);
SELECT is(
    (SELECT jsonb_build_array(l.active, pg_temp.trail(l.id) -> -1) FROM erp.sales_order_lines AS l WHERE l.id = pg_temp.line_id(:'o1', 2)),
    '[false, "erp.sales.order_line.archived"]'::jsonb,
    'nothing is deleted: the line is archived'
);
SELECT is(
    (erp.sales_order_line_remove('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.line_id(:'o1', 2)) -> 'version'),
    '9'::jsonb,
    'removing a removed line changes nothing'
);
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"quantity": 5}')$$,
        pg_temp.line_id(:'o1', 2)),
    'ZE009', 'a removed line is not updated');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_remove('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, 8)$$,
        pg_temp.line_id(:'o1', 1)),
    'ZE004', 'a line removal with a stale version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_line_remove('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', gen_random_uuid())$$,
    'ZE001', 'a missing line');
SELECT is(
    (SELECT jsonb_agg(x -> 'position') FROM jsonb_array_elements(
        erp.sales_order_line_add('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'o1', pg_temp.line('WIDGET', 1)) -> 'lines') AS x),
    '[1, 3, 4]'::jsonb,
    'a new line comes after the last position, removed ones included'
);

-- ===== confirm ==================================================================================
SELECT (erp.sales_order_get('a0000000-0000-4000-8000-00000000000a', :'o1') ->> 'version')::bigint AS v \gset
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, %s)$$, :'o1', :v - 1),
    'ZE004', 'confirm with a stale version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sales_order_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT o.id FROM erp.sales_orders AS o WHERE o.note = 'empty'))$$,
    'ZE009', 'an order without lines is not confirmed');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_confirm('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', %L)$$, :'o1'),
    'ZE001', 'tenant B cannot confirm tenant A''s order');
SELECT is(
    (SELECT jsonb_build_array(o ->> 'state', o -> 'number', (o ->> 'version')::bigint - :v)
    FROM erp.sales_order_confirm('a0000000-0000-4000-8000-00000000000a', 'd0000000-0000-4000-8000-000000000001', 'USER', 'trace-c', :'o1', :v) AS o),
    '["confirmed", null, 1]'::jsonb,
    'sales_order_confirm: confirmed, one version more, no number before commit'
);
SELECT is(
    (SELECT jsonb_build_array(h.tenant_id, h.record -> 'order' ->> 'id', h.record -> 'order' ->> 'state',
        jsonb_array_length(h.record -> 'order' -> 'lines'), h.record -> 'actor_user_id', h.record -> 'actor_type', h.record -> 'trace_id')
    FROM erp.sales_test_hook_calls AS h WHERE h.record -> 'order' ->> 'id' = :'o1'),
    jsonb_build_array('a0000000-0000-4000-8000-00000000000a', :'o1', 'confirmed', 3,
        'd0000000-0000-4000-8000-000000000001', 'USER', 'trace-c'),
    'the confirm hook ran once with the confirmed order and the caller''s context'
);
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is(
    (SELECT jsonb_build_array(o ->> 'number', o -> 'version') FROM erp.sales_order_get('a0000000-0000-4000-8000-00000000000a', :'o1') AS o),
    jsonb_build_array('SO/' || extract(YEAR FROM current_date) || '/00001', :v + 2),
    'at commit the order is numbered SO/<year>/00001 (event numbered)'
);
SELECT is(
    pg_temp.trail(:'o1') -> -1,
    '"erp.sales.order.numbered"'::jsonb,
    'the number is an audited event'
);
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L)$$, :'o1'),
    'ZE009', 'confirming twice: the second is refused, no second number');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_add('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, %L)$$,
        :'o1', pg_temp.line('WIDGET', 1)),
    'ZE009', 'a confirmed order takes no new line');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"quantity": 9}')$$,
        pg_temp.line_id(:'o1', 1)),
    'ZE009', 'a confirmed order''s line does not change');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_line_remove('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L)$$,
        pg_temp.line_id(:'o1', 1)),
    'ZE009', 'a confirmed order''s line is not removed');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, '{"note": "late"}')$$, :'o1'),
    'ZE009', 'a confirmed order is not updated');

-- confirmation re-checks what the lines use, and prices on the taxes in force
SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('WIDGET', 1, jsonb_build_object('tax_ids', jsonb_build_array(pg_temp.id('tax', 'GST7')))))) AS o2 \gset
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'SOON', 'Soon archived', pg_temp.id('uom', 'PCE'));
SELECT pg_temp.order_of(jsonb_build_array(pg_temp.line('SOON', 1))) AS o3 \gset
SELECT erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', pg_temp.id('product', 'SOON'));
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L)$$, :'o3'),
    'ZE009', 'a line''s product was archived since');
SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', pg_temp.id('partner', 'CUST'), '{"is_customer": false}');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L)$$, :'o2'),
    'ZE009', 'the partner is no longer a customer');
SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', pg_temp.id('partner', 'CUST'), '{"is_customer": true}');
SELECT erp.sales_tax_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', pg_temp.id('tax', 'GST7'), '{"rate": 8}');
SELECT is(
    pg_temp.amounts(erp.sales_order_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'o2')),
    '[50, 4.00, 54.00]'::jsonb,
    'a confirmed draft is priced on its taxes'' current rates (GST7 now 8 %)'
);
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e WHERE e.entity_id = :'o2' AND e.event_type = 'erp.sales.order.confirmed'),
    '{"state": {"old": "draft", "new": "confirmed"}, "amount_tax": {"old": 3.50, "new": 4.00},
      "amount_total": {"old": 53.50, "new": 54.00}}'::jsonb,
    'the confirmed event shows the new amounts'
);
-- a hook's error aborts the confirmation: nothing written
SELECT erp.sales_order_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'o3', '{"note": "refuse"}');
SELECT erp.product_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', pg_temp.id('product', 'SOON'));
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L)$$, :'o3'),
    'ZE009', 'a confirm hook refuses: the order stays a draft, no number requested');

-- ===== cancel ====================================================================================
SELECT is(
    erp.sales_order_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', :'o2') ->> 'state',
    'cancelled',
    'sales_order_cancel of a confirmed order'
);
SELECT is(
    (SELECT jsonb_build_array(h.record -> 'order' ->> 'id', h.record -> 'order' ->> 'state', h.record -> 'trace_id')
    FROM erp.sales_test_hook_calls AS h ORDER BY h.n DESC LIMIT 1),
    jsonb_build_array(:'o2', 'cancelled', 't'),
    'the cancel hook ran with the cancelled order'
);
SELECT is(
    pg_temp.trail(:'o2') -> -1,
    '"erp.sales.order.cancelled"'::jsonb,
    'event cancelled'
);
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L)$$, :'o2'),
    'ZE009', 'a cancelled order is not cancelled again');
SELECT is(
    erp.sales_order_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT o.id FROM erp.sales_orders AS o WHERE o.note = 'empty')) ->> 'state',
    'cancelled',
    'a draft is cancelled'
);
-- the bridge's writes: a delivered quantity on a line, the order done (generated writers)
SELECT erp._sales_order_line_write('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'bridge', l, n, 'delivered')
FROM erp.sales_order_lines AS l, LATERAL (SELECT (jsonb_populate_record(l, '{"qty_delivered": 1}')).*) AS n
WHERE l.id = pg_temp.line_id(:'o1', 1);
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L)$$, :'o1'),
    'ZE009', 'an order with a delivered quantity is not cancelled');
SELECT erp._sales_order_write('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'bridge', o, n, 'done')
FROM erp.sales_orders AS o, LATERAL (SELECT (jsonb_populate_record(o, '{"state": "done"}')).*) AS n
WHERE o.id = :'o1';
SELECT is(
    (SELECT jsonb_build_array(o.id = :'o1', erp.sales_order_get('a0000000-0000-4000-8000-00000000000a', o.id) ->> 'state')
    FROM erp.sales_order_list('a0000000-0000-4000-8000-00000000000a', 'done') AS o),
    '[true, "done"]'::jsonb,
    'a done order is read by get and list (p_state => done)'
);
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.sales_order_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L)$$, :'o1'),
    'ZE009', 'a done order is not cancelled');

-- ===== global rounding from the settings ====================================================
SELECT erp.sales_settings_set('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', '{"tax_rounding": "global"}');
SELECT pg_temp.order_of((SELECT jsonb_agg(pg_temp.line('WIDGET', 1, jsonb_build_object('price_unit', 14.35,
    'tax_ids', jsonb_build_array(pg_temp.id('tax', 'VAT10'))))) FROM generate_series(1, 3))) AS o4 \gset
SELECT is(
    jsonb_build_array(pg_temp.o(:'o4') ->> 'tax_rounding') || pg_temp.amounts(pg_temp.o(:'o4')),
    '["global", 39.15, 3.91, 43.06]'::jsonb,
    'a global order: the tax rounded once over the lines (43.06 against 3 x 14.35 = 43.05 shown)'
);
SELECT is_empty(
    $$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify is clean after every write of this file'
);

SELECT * FROM finish();
ROLLBACK;
