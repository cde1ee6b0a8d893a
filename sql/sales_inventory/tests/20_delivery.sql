-- Validating a delivery (hook erp.inventory.picking.done): the done quantities land on the
-- order lines' qty_delivered in the line's unit (event delivered); a backorder keeps the order
-- confirmed and its moves serve the same lines; the order is done (event done) once every goods
-- and consumable line is fully delivered; consumables move without stock; a delivery whose rest
-- is dropped (no backorder) leaves the order confirmed; pickings that do not come from a sales
-- order change no order. Ledger and trail stay verifiable.
BEGIN;
\ir include/fixture.sql
SELECT plan(22);

SELECT pg_temp.stock('BOOK', 10);
CREATE TEMP TABLE o (name text PRIMARY KEY, id uuid NOT NULL) ON COMMIT DROP;
INSERT INTO o VALUES
('two_parts', pg_temp.order_of(ARRAY[['BOOK', '4', 'PC'], ['SOAP', '1', 'DZ'], ['SETUP', '1', 'PC']])),
('dropped', pg_temp.order_of(ARRAY[['BOOK', '2', 'PC']]));
CREATE FUNCTION pg_temp.o(p_name text) RETURNS uuid LANGUAGE sql AS $fn$ SELECT o.id FROM o WHERE o.name = p_name $fn$;
SELECT pg_temp.confirm(o.id) FROM o ORDER BY o.name;

-- part one: 1 book of 4 and the dozen of soap (none in stock: a consumable); 3 books go to a backorder
SELECT pg_temp.reserve(pg_temp.delivery(pg_temp.o('two_parts'), 1));
SELECT is(pg_temp.on_hand('BOOK'), '10/4', 'the delivery reserved its 4 books');
SELECT pg_temp.validate(pg_temp.delivery(pg_temp.o('two_parts'), 1), '{"BOOK": 1, "SOAP": 1}');
SELECT is(pg_temp.delivered(pg_temp.o('two_parts')), 'confirmed: 1 1 0',
    'part one: 1 book and 1 dozen of soap delivered (in the lines'' units); the order stays confirmed');
SELECT is(cardinality(pg_temp.deliveries(pg_temp.o('two_parts'))), 2, 'a backorder carries the rest');
SELECT is(pg_temp.moves(pg_temp.delivery(pg_temp.o('two_parts'), 2)), ARRAY['BOOK 3 PC assigned 3'],
    'the backorder: the 3 books not delivered, still reserved');
SELECT is(
    (SELECT array_agg(ml.order_line_id = (pg_temp.order_get(pg_temp.o('two_parts')) #>> '{lines,0,id}')::uuid)
    FROM erp.sales_inventory_move_lines AS ml
    WHERE ml.tenant_id = 'c0000000-0000-4000-8000-00000000000c'
        AND ml.move_id = pg_temp.move_of(pg_temp.delivery(pg_temp.o('two_parts'), 2), 'BOOK')::uuid),
    ARRAY[true],
    'the backorder''s move serves the book line'
);
SELECT is(pg_temp.on_hand('SOAP'), '-12/0', 'the consumable left stock below zero (no negative check): 12 pieces');
SELECT is(
    (SELECT jsonb_agg(jsonb_build_object('verb', regexp_replace(h.event_type, '^.*\.', ''), 'changes', h.changes)
        ORDER BY h.entity_version)
    FROM erp.audit_history('c0000000-0000-4000-8000-00000000000c', 'erp.sales.order_line',
        (pg_temp.order_get(pg_temp.o('two_parts')) #>> '{lines,0,id}')::uuid) AS h
    WHERE h.event_type LIKE '%.delivered'),
    '[{"verb": "delivered", "changes": {"qty_delivered": {"old": 0, "new": 1}}}]'::jsonb,
    'the book line''s event: delivered, with its change'
);

-- part two: the backorder, whole
SELECT pg_temp.validate(pg_temp.delivery(pg_temp.o('two_parts'), 2));
SELECT is(pg_temp.delivered(pg_temp.o('two_parts')), 'done: 4 1 0',
    'part two: every goods and consumable line fully delivered, the order is done (the service does not count)');
SELECT is(
    pg_temp.verbs('erp.sales.order', pg_temp.o('two_parts')),
    ARRAY['created', 'confirmed', 'done'],
    'the order''s trail: confirmed, then done (its lines'' deliveries do not touch the order row)'
);
SELECT is(
    pg_temp.verbs('erp.sales.order_line', (pg_temp.order_get(pg_temp.o('two_parts')) #>> '{lines,0,id}')::uuid),
    ARRAY['created', 'delivered', 'delivered'],
    'the book line: created, delivered 1, delivered 3'
);
SELECT is(pg_temp.on_hand('BOOK'), '6/0', '4 books left stock, no reservation left');

-- the rest dropped (no backorder): the order stays confirmed, short of one book
SELECT pg_temp.validate(pg_temp.delivery(pg_temp.o('dropped'), 1), '{"BOOK": 1}', false);
SELECT is(pg_temp.delivered(pg_temp.o('dropped')), 'confirmed: 1',
    'a delivery validated without backorder: 1 of 2 delivered, the order stays confirmed');
SELECT is(cardinality(pg_temp.deliveries(pg_temp.o('dropped'))), 1, '... and has no backorder');

-- pickings that are not a sales order's change no order
CREATE FUNCTION pg_temp.sales_events() RETURNS bigint
LANGUAGE sql
AS $fn$
    SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND e.entity_type LIKE 'erp.sales.%'
$fn$;
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND e.entity_type LIKE 'erp.sales.%'
        AND e.trace_id = 'validate'),
    5::bigint,
    'the sales events of the validations so far: 4 line deliveries and one order done'
);
CREATE TEMP TABLE sales_events_before ON COMMIT DROP AS SELECT pg_temp.sales_events() AS n;
CREATE TEMP TABLE manual ON COMMIT DROP AS
SELECT (erp.inventory_picking_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 't', 'delivery',
    jsonb_build_array(jsonb_build_object('product_id', pg_temp.p('BOOK'), 'quantity', 1)),
    p_origin => 'counter sale') ->> 'id')::uuid AS id
UNION ALL
SELECT (erp.inventory_picking_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 't', 'delivery',
    jsonb_build_array(jsonb_build_object('product_id', pg_temp.p('BOOK'), 'quantity', 1)),
    p_origin_type => 'erp.repair.order', p_origin_id => pg_temp.o('dropped')) ->> 'id')::uuid;
SELECT erp.inventory_picking_confirm('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 't', m.id)
FROM manual AS m ORDER BY m.id;
SELECT pg_temp.validate(m.id) FROM manual AS m ORDER BY m.id;
SELECT is(
    (SELECT array_agg(p.state ORDER BY p.id) FROM erp.inventory_pickings AS p
    WHERE p.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND p.id IN (SELECT m.id FROM manual AS m)),
    ARRAY['done', 'done'],
    'a delivery without origin and one of another module''s document were validated'
);
SELECT is(pg_temp.sales_events(), (SELECT b.n FROM sales_events_before AS b), '... and wrote no sales event');
SELECT is(pg_temp.delivered(pg_temp.o('dropped')) || ' ' || pg_temp.delivered(pg_temp.o('two_parts')),
    'confirmed: 1 done: 4 1 0', '... and changed no order line');

-- three parts: the second backorder's move splits from the first backorder's, and still serves the line
INSERT INTO o VALUES ('three_parts', pg_temp.order_of(ARRAY[['BOOK', '3', 'PC']]));
SELECT pg_temp.confirm(pg_temp.o('three_parts'));
SELECT pg_temp.validate(pg_temp.delivery(pg_temp.o('three_parts'), 1), '{"BOOK": 1}');
SELECT pg_temp.validate(pg_temp.delivery(pg_temp.o('three_parts'), 2), '{"BOOK": 1}');
SELECT is(pg_temp.delivered(pg_temp.o('three_parts')), 'confirmed: 2', 'three parts: 2 of 3 after two of them');
SELECT pg_temp.validate(pg_temp.delivery(pg_temp.o('three_parts'), 3));
SELECT is(pg_temp.delivered(pg_temp.o('three_parts')) || ' ' || pg_temp.on_hand('BOOK'), 'done: 3 0/0',
    '... and done after the third, the last 3 books of the stock gone');

-- a move in another unit than its line's (not one the bridge makes, but a move's unit is
-- inventory's business) counts in the line's unit
SELECT is(
    ARRAY[erp._sales_inventory_line_qty('c0000000-0000-4000-8000-00000000000c', 24, pg_temp.u('PC'), pg_temp.u('DZ')),
        erp._sales_inventory_line_qty('c0000000-0000-4000-8000-00000000000c', 0.5, pg_temp.u('DZ'), pg_temp.u('DZ'))],
    ARRAY[2, 0.5]::numeric[],
    'a delivered quantity in the line''s unit: 24 PC are 2 DZ; the same unit is taken as it is'
);

SELECT is((SELECT count(*) FROM erp.inventory_verify('c0000000-0000-4000-8000-00000000000c')), 0::bigint,
    'inventory_verify: the balances equal the ledger');
SELECT is((SELECT count(*) FROM erp.audit_verify('c0000000-0000-4000-8000-00000000000c')), 0::bigint,
    'audit_verify: every row replays from its events');

SELECT * FROM finish();
ROLLBACK;
