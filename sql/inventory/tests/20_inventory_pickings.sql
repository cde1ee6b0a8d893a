-- Pickings: erp.inventory_picking_create / _confirm / _reserve / _unreserve / _cancel / _get /
-- _list. Moves in position order with product_qty converted half-up; every refusal of a write
-- is its SQLSTATE and then nothing written (no row, no balance change, no event). Reservations:
-- partial vs all-or-nothing (ZE010 with DETAIL), rounding down (Odoo #5667 and #21403).
BEGIN;
\ir include/inventory_fixture.sql
SELECT plan(121);

-- ===== create ================================================================================
SELECT is(
    (SELECT jsonb_build_object('kind', p ->> 'kind', 'state', p ->> 'state', 'number', p -> 'number',
        'from', (p ->> 'from_location_id')::uuid = pg_temp.loc('SUPPLIERS'),
        'to', (p ->> 'to_location_id')::uuid = pg_temp.loc('STOCK'),
        'origin', p -> 'origin', 'origin_type', p -> 'origin_type', 'origin_id', p -> 'origin_id',
        'moves', (SELECT jsonb_agg(jsonb_build_array(m ->> 'position', m ->> 'state', m ->> 'quantity',
            m ->> 'product_qty', m ->> 'reserved_qty'))
            FROM jsonb_array_elements(p -> 'moves') AS m))
    FROM erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'receipt',
        jsonb_build_array(
            jsonb_build_object('product_id', pg_temp.product('W2'), 'quantity', 5, 'uom_id', pg_temp.uom('DZ')),
            jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', '3'),
            jsonb_build_object('product_id', pg_temp.product('OIL'), 'quantity', 1, 'uom_id', pg_temp.uom('ML'))),
        p_origin => 'PO 17', p_origin_type => 'erp.purchase.order',
        p_origin_id => 'c0000000-0000-4000-8000-00000000000c') AS p),
    '{"kind": "receipt", "state": "draft", "number": null, "from": true, "to": true, "origin": "PO 17",
      "origin_type": "erp.purchase.order", "origin_id": "c0000000-0000-4000-8000-00000000000c",
      "moves": [["1", "draft", "5", "60", "0"], ["2", "draft", "3", "3", "0"],
                ["3", "draft", "1", "0.001", "0"]]}'::jsonb,
    'picking_create: a draft receipt from suppliers to stock, moves in the order given, 5 dozen = 60 (not 61: Odoo #5667), 1 ml = 0.001 l'
);

SELECT is(
    (SELECT count(*) FILTER (WHERE e.event_type = 'erp.inventory.picking.created')
        || '/' || count(*) FILTER (WHERE e.event_type = 'erp.inventory.move.created')
    FROM erp.erp_audit_events AS e WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.trace_id = 't'),
    '1/3', 'one created event per record'
);
SELECT is(
    (SELECT jsonb_build_object('from', (p ->> 'from_location_id')::uuid = pg_temp.loc('STOCK'),
        'to', (p ->> 'to_location_id')::uuid = pg_temp.loc('CUSTOMERS'))
    FROM erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'delivery',
        jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))) AS p),
    '{"from": true, "to": true}'::jsonb,
    'a delivery defaults from stock to customers'
);
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'WH', 'Warehouse', 'view');
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'SHELF', 'Shelf', 'internal',
    pg_temp.loc('WH'));
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'OLD', 'Old', 'internal');
SELECT erp.inventory_location_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.loc('OLD'));
SELECT is(
    (SELECT (p -> 'moves' -> 0 ->> 'to_location_id')::uuid = pg_temp.loc('SHELF')
        AND (p ->> 'to_location_id')::uuid = pg_temp.loc('CUSTOMERS')
    FROM erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'internal',
        jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1,
            'to_location_id', pg_temp.loc('SHELF'))),
        p_from_location_id => pg_temp.loc('STOCK'), p_to_location_id => pg_temp.loc('CUSTOMERS')) AS p),
    true, 'a move may name its own locations'
);

-- ===== create: refusals ======================================================================
CREATE FUNCTION pg_temp.create_sql(p_moves text, p_extra text DEFAULT '') RETURNS text LANGUAGE sql AS $fn$
    SELECT format($$SELECT erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
        'r', 'receipt', %s%s)$$, p_moves, p_extra)
$fn$;
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r', 'transfer',
        jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1)))$$,
    'ZE003', 'an unknown kind is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql($$'[]'$$), 'ZE003', 'no moves is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql($$'{"product_id": 1}'$$), 'ZE003', 'moves not an array is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$(SELECT jsonb_agg(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1)) FROM generate_series(1, 1001))$$),
    'ZE003', '1001 moves are ZE003 (at most 1000)');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$(SELECT jsonb_agg(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1, 'note', repeat('x', 100)))
       FROM generate_series(1, 200000))$$),
    'ZE003', 'a huge input (200000 moves) is refused before any work');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1, 'price', 3))$$),
    'ZE003', 'an unknown key of a move is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql($$'["x"]'$$), 'ZE003', 'a move that is not an object is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql($$jsonb_build_array(jsonb_build_object('product_id', 'nope', 'quantity', 1))$$),
    'ZE003', 'a product id that is not a uuid is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 0))$$),
    'ZE003', 'quantity 0 is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', -2))$$),
    'ZE003', 'a negative quantity is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 'many'))$$),
    'ZE003', 'a quantity that is not a number is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1e20))$$),
    'ZE003', 'a quantity of 1e20 is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('OIL'), 'quantity', 0.4, 'uom_id', pg_temp.uom('ML')))$$),
    'ZE003', 'a quantity that rounds to 0 in the product''s unit is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', 'd0000000-0000-4000-8000-00000000000d', 'quantity', 1))$$),
    'ZE001', 'an unknown product is ZE001');
SELECT erp.uom_category_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'UNIT', 'Units');
SELECT erp.uom_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'PCS', 'Pieces', 'UNIT');
SELECT erp.product_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'B1', 'Their widget',
    (SELECT u.id FROM erp.erp_uoms AS u WHERE u.tenant_id = 'b0000000-0000-4000-8000-00000000000b'));
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('quantity', 1, 'product_id',
        (SELECT p.id FROM erp.erp_products AS p WHERE p.tenant_id = 'b0000000-0000-4000-8000-00000000000b')))$$),
    'ZE001', 'another tenant''s product is ZE001 (tenant isolation)');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('FIT'), 'quantity', 1))$$),
    'ZE009', 'a service never moves: ZE009');
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'GONE', 'Gone', pg_temp.uom('PCS'));
SELECT erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('GONE'));
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('GONE'), 'quantity', 1))$$),
    'ZE009', 'an archived product is ZE009');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$,
    $$, p_origin_type => repeat('t', 101), p_origin_id => 'c0000000-0000-4000-8000-00000000000c'$$),
    'ZE003', 'an origin type longer than 100 characters is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1, 'uom_id', pg_temp.uom('L')))$$),
    'ZE009', 'a unit of another category is ZE009');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$,
    $$, p_to_location_id => pg_temp.loc('WH')$$),
    'ZE009', 'a view location holds no stock: ZE009');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$,
    $$, p_to_location_id => pg_temp.loc('OLD')$$),
    'ZE009', 'an archived location is ZE009');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$,
    $$, p_to_location_id => 'd0000000-0000-4000-8000-00000000000d'$$),
    'ZE001', 'an unknown location is ZE001');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$,
    $$, p_from_location_id => pg_temp.loc('STOCK')$$),
    'ZE003', 'from and to the same location is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1,
        'from_location_id', pg_temp.loc('STOCK')))$$),
    'ZE003', 'a move from and to the same location is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$,
    $$, p_origin_type => 'erp.sales.order'$$),
    'ZE003', 'an origin type without an origin id is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$,
    $$, p_origin => repeat('o', 501)$$),
    'ZE003', 'an origin longer than 500 characters is ZE003');
SELECT * FROM pg_temp.refused(pg_temp.create_sql(
    $$jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1))$$,
    $$, p_partner_id => 'd0000000-0000-4000-8000-00000000000d'$$),
    'ZE001', 'an unknown partner is ZE001');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'r', 'receipt',
        jsonb_build_array(jsonb_build_object('quantity', 1, 'product_id',
        (SELECT p.id FROM erp.erp_products AS p WHERE p.tenant_id = 'b0000000-0000-4000-8000-00000000000b'))))$$,
    'ZE009', 'a tenant without inventory_setup has no default locations: ZE009');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'USER', 'r', 'receipt',
        jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1)))$$,
    'ZE008', 'a USER without a user id is ZE008');

-- ===== confirm ===============================================================================
SELECT pg_temp.receive('W1', 10) IS NOT NULL AS received;
CREATE TEMP TABLE p (name text PRIMARY KEY, id uuid);
INSERT INTO p VALUES ('d1', pg_temp.pick('delivery', '[["W1", 4], ["W1", 8]]', false));
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'd1')), 'draft draft:4:4:0 draft:8:8:0', 'a created picking is a draft');
SELECT is(
    erp.inventory_picking_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1')) ->> 'state',
    'confirmed', 'picking_confirm: draft to confirmed');
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'd1')), 'confirmed confirmed:4:4:0 confirmed:8:8:0',
    'its moves are confirmed');
SELECT is(pg_temp.bal('W1', 'STOCK'), '10/0', 'confirming reserves nothing');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'))$$,
    'ZE009', 'confirming a confirmed picking is ZE009');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        'd0000000-0000-4000-8000-00000000000d')$$,
    'ZE001', 'confirming an unknown picking is ZE001');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_confirm('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'))$$,
    'ZE001', 'another tenant''s picking is ZE001 (tenant isolation)');

-- ===== reserve ===============================================================================
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'), false)$$,
    'ZE010', 'all-or-nothing: 12 wanted, 10 there: ZE010 and nothing reserved (not even the first move)');
SELECT throws_like(
    $$SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'), false)$$,
    'not enough ''W1'' in ''STOCK'': 10 available, 12 requested',
    'the message names product, location and what the picking asks of it in all');
SELECT is(
    pg_temp.detail($$SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'), false)$$),
    'ZE010 product=W1 location=STOCK available=10 requested=12',
    'ZE010 DETAIL names product, location, available and requested');
SELECT is(
    erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1')) ->> 'state',
    'confirmed', 'partial (default): what is there is reserved, the picking stays confirmed');
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'd1')), 'confirmed assigned:4:4:4 partially_available:8:8:6',
    'moves become assigned and partially_available');
SELECT is(pg_temp.bal('W1', 'STOCK'), '10/10', 'the balance holds the reservation');
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a'
        AND e.event_type = 'erp.inventory.move.reserved'),
    2::bigint, 'one reserved event per move');
SELECT is(
    erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1')) ->> 'state',
    'confirmed', 'reserving again with nothing available is not an error');
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a'
        AND e.event_type = 'erp.inventory.move.reserved'),
    2::bigint, 'and writes no event when nothing changes');
SELECT pg_temp.receive('W1', 5) IS NOT NULL AS received;
SELECT is(
    erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'), false) ->> 'state',
    'assigned', 'once stock arrived the rest is reserved and the picking is assigned');
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'd1')), 'assigned assigned:4:4:4 assigned:8:8:8', 'both moves assigned');
SELECT is(pg_temp.bal('W1', 'STOCK'), '15/12', '12 of 15 reserved');
SELECT is(
    erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'), false) ->> 'state',
    'assigned', 'an assigned picking is returned as it is');
SELECT is(pg_temp.bal('W1', 'STOCK'), '15/12', 'and nothing more is reserved');
INSERT INTO p VALUES ('draft', pg_temp.pick('delivery', '[["W1", 1]]', false));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'draft'))$$,
    'ZE009', 'reserving a draft picking is ZE009 (confirm first)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'), NULL)$$,
    'ZE003', 'p_partial NULL is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'), true, 99)$$,
    'ZE004', 'a stale expected version is ZE004');

-- Odoo #21403 reserved 1 ml as 2 ml: 1 ml of a product kept in litres (rounding 0.001) is
-- 0.001 l, and reserving it takes exactly 0.001 l
SELECT pg_temp.receive('OIL', 0.005) IS NOT NULL AS received;
INSERT INTO p VALUES ('ml', pg_temp.pick('delivery', '[["OIL", 1, "ML"]]'));
SELECT is(
    erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'ml')) -> 'moves' -> 0 ->> 'reserved_qty',
    '0.001', '1 ml reserves 0.001 l, not 0.002 (Odoo #21403)');
SELECT is(pg_temp.bal('OIL', 'STOCK'), '0.005/0.001', 'the balance reserves 0.001 l');

-- rounding down: the unit's rounding becomes coarser than what is on hand (7.5 pieces of a
-- product counted at rounding 0.5); a partial reservation of 10 takes 7, never 8
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'HALF', 'Halves', pg_temp.uom('L'));
SELECT erp.inventory_adjust('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.loc('STOCK'),
    jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('HALF'), 'quantity', 7.5)));
SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.uom('L'), '{"rounding": 1}');
INSERT INTO p VALUES ('half', pg_temp.pick('delivery', '[["HALF", 10]]'));
SELECT is(
    erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'half')) -> 'moves' -> 0 ->> 'reserved_qty',
    '7', 'a partial reservation rounds down: 7 of 7.5 at rounding 1, never 8');
SELECT is(pg_temp.bal('HALF', 'STOCK'), '7.5/7', 'reserved stays within on hand');

-- a consumable and a move from an outside location are assigned without a reservation
INSERT INTO p VALUES ('bag', pg_temp.pick('delivery', '[["BAG", 3]]'));
SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'bag'), false) IS NOT NULL AS called;
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'bag')), 'assigned assigned:3:3:0', 'a consumable is assigned without stock or reservation');
INSERT INTO p VALUES ('in', pg_temp.pick('receipt', '[["W2", 3]]'));
SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'in'), false) IS NOT NULL AS called;
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'in')), 'assigned assigned:3:3:0', 'a receipt (from suppliers) is assigned without a reservation');

-- ===== unreserve =============================================================================
SELECT erp.inventory_picking_unreserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1')) IS NOT NULL AS called;
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'd1')), 'confirmed confirmed:4:4:0 confirmed:8:8:0', 'picking_unreserve: moves and picking back to confirmed');
SELECT is(pg_temp.bal('W1', 'STOCK'), '15/0', 'the reservation is released');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_unreserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'draft'))$$,
    'ZE009', 'unreserving a draft picking is ZE009');

-- ===== cancel ================================================================================
SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'd1')) IS NOT NULL AS reserved;
SELECT erp.inventory_picking_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1')) IS NOT NULL AS called;
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'd1')), 'cancelled cancelled:4:4:0 cancelled:8:8:0', 'picking_cancel: picking and moves cancelled');
SELECT is(pg_temp.bal('W1', 'STOCK'), '15/0', 'its reservations are released');
SELECT is(
    erp.inventory_picking_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'draft')) ->> 'state',
    'cancelled', 'a draft picking can be cancelled');
SELECT is(
    (SELECT e.entity_version FROM erp.erp_audit_events AS e WHERE e.entity_id = (SELECT d.id FROM p AS d WHERE d.name = 'draft')
     ORDER BY e.entity_version DESC LIMIT 1),
    (SELECT (erp.inventory_picking_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'draft')) ->> 'version')::bigint),
    'cancelling a cancelled picking returns it as it is (no new version)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'd1'))$$,
    'ZE009', 'reserving a cancelled picking is ZE009');
INSERT INTO p VALUES ('done', pg_temp.receive('W2', 1));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_cancel('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'done'))$$,
    'ZE009', 'cancelling a done picking is ZE009');

-- ===== get / list ============================================================================
SELECT is(
    (SELECT jsonb_array_length(g -> 'moves') || ' ' || (g ->> 'state')
     FROM erp.inventory_picking_get('a0000000-0000-4000-8000-00000000000a', (SELECT x.id FROM p AS x WHERE x.name = 'd1')) AS g),
    '2 cancelled', 'picking_get: the picking with its moves');
SELECT throws_ok(
    $$SELECT erp.inventory_picking_get('b0000000-0000-4000-8000-00000000000b', (SELECT x.id FROM p AS x WHERE x.name = 'd1'))$$,
    'ZE001', NULL, 'picking_get of another tenant''s picking is ZE001');
SELECT is(
    (SELECT array_agg(l ->> 'state' ORDER BY l ->> 'id') FROM erp.inventory_picking_list('a0000000-0000-4000-8000-00000000000a',
        p_state => 'cancelled') AS l),
    ARRAY['cancelled', 'cancelled'], 'picking_list by state');
SELECT is(
    (SELECT count(*) FROM erp.inventory_picking_list('a0000000-0000-4000-8000-00000000000a',
        p_origin_type => 'erp.purchase.order', p_origin_id => 'c0000000-0000-4000-8000-00000000000c')),
    1::bigint, 'picking_list by origin document');
SELECT is(
    (SELECT count(*) FROM erp.inventory_picking_list('a0000000-0000-4000-8000-00000000000a', p_kind => 'internal')),
    1::bigint, 'picking_list by kind');
SELECT is(
    (SELECT '2+' || count(*)
     FROM erp.inventory_picking_list('a0000000-0000-4000-8000-00000000000a',
        p_after => (SELECT (f.l ->> 'id')::uuid FROM erp.inventory_picking_list('a0000000-0000-4000-8000-00000000000a',
            p_limit => 2) AS f (l) ORDER BY (f.l ->> 'id')::uuid DESC LIMIT 1))),
    '2+' || ((SELECT count(*) FROM erp.inventory_pickings WHERE tenant_id = 'a0000000-0000-4000-8000-00000000000a') - 2),
    'picking_list pages by id');
SELECT is((SELECT count(*) FROM erp.inventory_picking_list('b0000000-0000-4000-8000-00000000000b')), 0::bigint,
    'another tenant lists none of them');
SELECT throws_ok(
    $$SELECT erp.inventory_picking_list('a0000000-0000-4000-8000-00000000000a', p_limit => 1001)$$,
    'ZE003', NULL, 'p_limit above 1000 is ZE003');

SELECT is_empty($$SELECT * FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'inventory_verify is clean after all of it');
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$, 'audit_verify is clean');

SELECT * FROM finish();
ROLLBACK;
