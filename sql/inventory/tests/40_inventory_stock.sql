-- Stock: erp.inventory_adjust (counts become done moves to/from the inventory-loss location;
-- below reserved is ZE010), erp.inventory_on_hand (a location and its children, all internal,
-- outside locations negative, as of a past time from the ledger) and erp.inventory_verify
-- (clean after normal operations; each kind of problem reported when the owner corrupts a
-- balance).
BEGIN;
\ir include/inventory_fixture.sql
SELECT plan(53);
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'WH', 'Warehouse', 'view');
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'A', 'Aisle', 'internal',
    pg_temp.loc('WH'));
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'A-1', 'Shelf', 'internal',
    pg_temp.loc('A'));
CREATE FUNCTION pg_temp.adjust_sql(p_loc text, p_counts text) RETURNS text LANGUAGE sql AS $fn$
    SELECT format($$SELECT erp.inventory_adjust('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc(%L), %s)$$,
        p_loc, p_counts)
$fn$;
CREATE FUNCTION pg_temp.oh(p_sku text, p_loc text DEFAULT NULL, p_as_of timestamptz DEFAULT NULL) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT concat_ws('/', o.on_hand, o.reserved, o.available)
    FROM erp.inventory_on_hand('a0000000-0000-4000-8000-00000000000a', pg_temp.product(p_sku), pg_temp.loc(p_loc), p_as_of) AS o
$fn$;

-- ===== adjust ================================================================================
SELECT is(
    (SELECT jsonb_agg(jsonb_build_array(m ->> 'state', m ->> 'product_qty', (m ->> 'from_location_id')::uuid = pg_temp.loc('INVENTORY-LOSS'),
        m ->> 'origin', m ->> 'picking_id') ORDER BY m ->> 'product_qty')
     FROM jsonb_array_elements(erp.inventory_adjust('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'count',
        pg_temp.loc('A-1'), jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 7),
            jsonb_build_object('product_id', pg_temp.product('OIL'), 'quantity', 0.25)), 'first count') -> 'moves') AS m),
    '[["done", "0.25", true, "first count", null], ["done", "7", true, "first count", null]]'::jsonb,
    'inventory_adjust: each difference is a done move from the inventory-loss location, origin the reason');
SELECT is(pg_temp.bal('W1', 'A-1') || ' ' || pg_temp.bal('W1', 'INVENTORY-LOSS'), '7/0 -7/0', 'balances follow');
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e WHERE e.trace_id = 'count' AND e.event_type = 'erp.inventory.move.created'),
    2::bigint, 'one audited event per done move');
SELECT is(
    (SELECT jsonb_array_length(erp.inventory_adjust('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'same',
        pg_temp.loc('A-1'), jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 7))) -> 'moves')),
    0, 'a count equal to on hand writes no move');
SELECT is(
    (SELECT (m -> 0 ->> 'to_location_id')::uuid = pg_temp.loc('INVENTORY-LOSS') AND m -> 0 ->> 'product_qty' = '2'
     FROM (SELECT erp.inventory_adjust('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.loc('A-1'),
        jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', '5'))) -> 'moves' AS m) AS x),
    true, 'a count below on hand moves the difference to the inventory-loss location');
SELECT is(pg_temp.bal('W1', 'A-1'), '5/0', 'now 5');
CREATE TEMP TABLE p (name text PRIMARY KEY, id uuid);
INSERT INTO p VALUES ('out', (erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'delivery',
    jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 4)),
    p_from_location_id => pg_temp.loc('A-1')) ->> 'id')::uuid);
SELECT erp.inventory_picking_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', (SELECT x.id FROM p AS x));
SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', (SELECT x.id FROM p AS x));
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 3))$$),
    'ZE010', 'a count of 3 below the 4 reserved there is ZE010, nothing written');
SELECT is(
    pg_temp.detail(pg_temp.adjust_sql('A-1', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 3))$$)),
    'ZE010 product=W1 location=A-1 available=3 requested=4', 'its DETAIL names product, location and quantities');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1.5))$$),
    'ZE003', 'a count that is not a multiple of the unit''s rounding is ZE003');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', -1))$$),
    'ZE003', 'a negative count is ZE003');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1),
        jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 2))$$),
    'ZE003', 'a product counted twice is ZE003');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'qty', 1))$$),
    'ZE003', 'an unknown key is ZE003');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('FIT'), 'quantity', 1))$$),
    'ZE009', 'a service is not counted: ZE009');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$jsonb_build_array(jsonb_build_object('product_id', 'd0000000-0000-4000-8000-00000000000d', 'quantity', 1))$$),
    'ZE001', 'an unknown product is ZE001');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('CUSTOMERS', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$),
    'ZE009', 'counting in a customer location is ZE009');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('WH', $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$),
    'ZE009', 'counting in a view is ZE009');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$'[]'$$), 'ZE003', 'no counts is ZE003');
SELECT * FROM pg_temp.refused(
    pg_temp.adjust_sql('A-1', $$(SELECT jsonb_agg(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', g))
        FROM generate_series(1, 100000) AS g)$$),
    'ZE003', 'a huge input (100000 counts) is refused before any work');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_adjust('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', pg_temp.loc('A-1'),
        jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 5)), repeat('r', 501))$$,
    'ZE003', 'a reason longer than 500 characters is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_adjust('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'r', pg_temp.loc('A-1'),
        jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 5)))$$,
    'ZE001', 'another tenant''s location is ZE001 (tenant isolation)');

-- ===== on hand ===============================================================================
SELECT pg_temp.receive('W1', 10) IS NOT NULL AS received;
SELECT is(pg_temp.oh('W1', 'A-1'), '5/4/1', 'on_hand of one location: on hand, reserved, available');
SELECT is(pg_temp.oh('W1', 'WH'), '5/4/1', 'a location counts its children (WH > A > A-1)');
SELECT is(pg_temp.oh('W1'), '15/4/11', 'NULL location: every internal location (STOCK and A-1)');
SELECT is(pg_temp.oh('W1', 'SUPPLIERS'), '-10/0/-10', 'a supplier location reads negative: what came from it');
SELECT is(pg_temp.oh('W2'), '0/0/0', 'a product never moved: zeros');
SELECT throws_ok(
    $$SELECT * FROM erp.inventory_on_hand('b0000000-0000-4000-8000-00000000000b', pg_temp.product('W1'))$$,
    'ZE001', NULL, 'another tenant''s product is ZE001');
SELECT throws_ok(
    $$SELECT * FROM erp.inventory_on_hand('a0000000-0000-4000-8000-00000000000a', pg_temp.product('W1'),
        'd0000000-0000-4000-8000-00000000000d')$$,
    'ZE001', NULL, 'an unknown location is ZE001');
SELECT is(pg_temp.oh('W1', NULL, now()), '15', 'as of now, from the ledger: the same on hand (reserved is not history: NULL)');
SELECT is(pg_temp.oh('W1', NULL, now() - interval '1 second'), '0', 'as of a second before the moves: nothing');

-- ===== verify ================================================================================
SELECT is_empty($$SELECT * FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'inventory_verify is clean after counts, receipts and reservations');
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$, 'audit_verify is clean');

-- the owner changes the past (inside this test's transaction): the receipt was done on 1 June
UPDATE erp.inventory_moves SET done_at = '2026-06-01 12:00+00'
WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND picking_id IS NOT NULL AND state = 'done';
SELECT is(pg_temp.oh('W1', 'STOCK', '2026-05-31 23:59+00'), '0', 'as of 31 May: nothing in STOCK');
SELECT is(pg_temp.oh('W1', 'STOCK', '2026-06-02 00:00+00'), '10', 'as of 2 June: the 10 received');
SELECT is(pg_temp.oh('W1', NULL, '2026-06-02 00:00+00'), '10', 'as of 2 June over all internal locations: the count came later');

-- the owner corrupts balances: each kind of problem is reported
UPDATE erp.inventory_balances SET on_hand = on_hand + 5
WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND product_id = pg_temp.product('W1') AND location_id = pg_temp.loc('STOCK');
SELECT results_eq(
    $$SELECT v.problem, v.location_id = pg_temp.loc('STOCK'), v.expected, v.actual
      FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a') AS v ORDER BY 1$$,
    $$VALUES ('balance_differs_from_ledger', true, 10::numeric, 15::numeric), ('product_sum_not_zero', NULL, 0, 5)$$,
    'on hand off by 5: the balance differs from the ledger and the product no longer sums to zero');
UPDATE erp.inventory_balances SET on_hand = on_hand - 5, reserved = reserved + 1
WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND product_id = pg_temp.product('W1') AND location_id = pg_temp.loc('STOCK');
SELECT results_eq(
    $$SELECT v.problem, v.expected, v.actual FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a') AS v$$,
    $$VALUES ('reserved_differs_from_moves', 0::numeric, 1::numeric)$$,
    'a reservation no open move holds is reported');
UPDATE erp.inventory_balances SET on_hand = -2, reserved = 0
WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND product_id = pg_temp.product('W1') AND location_id = pg_temp.loc('STOCK');
SELECT set_eq(
    $$SELECT v.problem FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a') AS v$$,
    ARRAY['balance_differs_from_ledger', 'product_sum_not_zero', 'negative_stock', 'reserved_above_on_hand'],
    'negative internal stock is reported (and 0 reserved is then above it)');
UPDATE erp.inventory_balances SET on_hand = 10, reserved = 11
WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND product_id = pg_temp.product('W1') AND location_id = pg_temp.loc('STOCK');
SELECT set_eq(
    $$SELECT v.problem FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a') AS v$$,
    ARRAY['reserved_differs_from_moves', 'reserved_above_on_hand'],
    'reserved above on hand is reported');
DELETE FROM erp.inventory_balances
WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND product_id = pg_temp.product('W1') AND location_id = pg_temp.loc('STOCK');
SELECT set_eq(
    $$SELECT v.problem, v.expected, v.actual FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a') AS v$$,
    $$VALUES ('balance_differs_from_ledger', 10::numeric, 0::numeric), ('product_sum_not_zero', 0, -10)$$,
    'a lost balance row is reported against the ledger');
SELECT is_empty($$SELECT * FROM erp.inventory_verify('b0000000-0000-4000-8000-00000000000b')$$,
    'another tenant''s verify sees none of it');

SELECT * FROM finish();
ROLLBACK;
