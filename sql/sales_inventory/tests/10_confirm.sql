-- Confirming an order (hook erp.sales.order.confirm): a tenant without locations gets them
-- first; an order with goods and consumables gets one delivery picking, confirmed and not
-- reserved, from stock to customers, one move per goods/consumable line in the line's unit,
-- each linked to its line; services never move; an order of services alone gets no picking;
-- a failure inside the hook aborts the confirmation with nothing written.
BEGIN;
\ir include/fixture.sql
SELECT plan(16);

CREATE TEMP TABLE o (name text PRIMARY KEY, id uuid NOT NULL) ON COMMIT DROP;
INSERT INTO o VALUES
('mixed', pg_temp.order_of(ARRAY[['BOOK', '3', 'PC'], ['SETUP', '1', 'PC'], ['SOAP', '2', 'DZ']])),
('services', pg_temp.order_of(ARRAY[['SETUP', '2', 'PC']])),
('aborted', pg_temp.order_of(ARRAY[['BOOK', '1', 'PC']]));
CREATE FUNCTION pg_temp.o(p_name text) RETURNS uuid LANGUAGE sql AS $fn$ SELECT o.id FROM o WHERE o.name = p_name $fn$;

SELECT is(
    (SELECT count(*) FROM erp.inventory_locations AS l WHERE l.tenant_id = 'c0000000-0000-4000-8000-00000000000c'),
    0::bigint,
    'the tenant has no locations before its first confirmation'
);
SELECT pg_temp.confirm(pg_temp.o('mixed'));
-- the locations the confirmation left, before the test itself calls inventory_setup
CREATE TEMP TABLE locations_after_confirm ON COMMIT DROP AS
SELECT l.id FROM erp.inventory_locations AS l WHERE l.tenant_id = 'c0000000-0000-4000-8000-00000000000c';
SELECT is(
    (SELECT count(*) FROM locations_after_confirm AS l WHERE l.id IN (pg_temp.loc('stock'), pg_temp.loc('customers'))),
    2::bigint,
    'the confirmation ran inventory_setup: the tenant has its stock and customers locations'
);
SELECT is(cardinality(pg_temp.deliveries(pg_temp.o('mixed'))), 1, 'one delivery picking names the order as its origin');
SELECT is(
    (SELECT jsonb_build_object('kind', p ->> 'kind', 'state', p ->> 'state', 'origin_type', p ->> 'origin_type',
        'origin_id', p ->> 'origin_id', 'partner', p ->> 'partner_id' = (pg_temp.order_get(pg_temp.o('mixed')) ->> 'partner_id'),
        'from_stock', (p ->> 'from_location_id')::uuid = pg_temp.loc('stock'),
        'to_customers', (p ->> 'to_location_id')::uuid = pg_temp.loc('customers'))
    FROM pg_temp.picking(pg_temp.delivery(pg_temp.o('mixed'), 1)) AS p),
    jsonb_build_object('kind', 'delivery', 'state', 'confirmed', 'origin_type', 'erp.sales.order',
        'origin_id', pg_temp.o('mixed'), 'partner', true, 'from_stock', true, 'to_customers', true),
    'the delivery: confirmed, origin erp.sales.order and the order''s id, the order''s customer, stock to customers'
);
SELECT is(
    pg_temp.moves(pg_temp.delivery(pg_temp.o('mixed'), 1)),
    ARRAY['BOOK 3 PC confirmed 0', 'SOAP 2 DZ confirmed 0'],
    'one move per goods or consumable line, in the line''s unit, in line order; the service does not move; nothing reserved'
);
SELECT is(
    (SELECT (m.move ->> 'product_qty')::numeric
    FROM jsonb_array_elements(pg_temp.picking(pg_temp.delivery(pg_temp.o('mixed'), 1)) -> 'moves') AS m (move)
    WHERE (m.move ->> 'product_id')::uuid = pg_temp.p('SOAP')),
    24::numeric,
    '2 DZ of soap is 24 pieces in the product''s unit'
);
SELECT is(
    (SELECT array_agg((l.line ->> 'position') || ' ' || (l.line ->> 'product_id' = mv.product_id::text)
        ORDER BY l.line ->> 'position')
    FROM erp.sales_inventory_move_lines AS ml
    INNER JOIN erp.inventory_moves AS mv ON ml.tenant_id = mv.tenant_id AND ml.move_id = mv.id
    INNER JOIN jsonb_array_elements(pg_temp.order_get(pg_temp.o('mixed')) -> 'lines') AS l (line)
        ON (l.line ->> 'id')::uuid = ml.order_line_id
    WHERE ml.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND ml.order_id = pg_temp.o('mixed')),
    ARRAY['1 true', '3 true'],
    'each move is linked to its line (lines 1 and 3; the service line 2 has none)'
);
SELECT is(pg_temp.delivered(pg_temp.o('mixed')), 'confirmed: 0 0 0', 'the order is confirmed, nothing delivered');
SELECT is(pg_temp.on_hand('BOOK'), '0/0', 'the delivery reserved nothing');
SELECT is(
    pg_temp.verbs('erp.inventory.picking', pg_temp.delivery(pg_temp.o('mixed'), 1)),
    ARRAY['created', 'confirmed'],
    'the delivery''s audit trail: created, then confirmed (in the confirmation''s transaction)'
);

-- an order of services alone
SELECT pg_temp.confirm(pg_temp.o('services'));
SELECT is(pg_temp.delivered(pg_temp.o('services')), 'confirmed: 0', 'an order of services alone is confirmed');
SELECT is(pg_temp.deliveries(pg_temp.o('services')), '{}'::uuid[], '... and gets no delivery: services never move');
SELECT is(
    (SELECT count(*) FROM erp.sales_inventory_move_lines AS ml
    WHERE ml.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND ml.order_id = pg_temp.o('services')),
    0::bigint,
    '... nor any link'
);

-- a failure inside the hook (here: the link refused by a constraint added for the test) aborts
-- the confirmation: the order stays a draft, no picking, no event
ALTER TABLE erp.sales_inventory_move_lines ADD CONSTRAINT test_refuse_links CHECK (false) NOT VALID;
SELECT * FROM pg_temp.refused(
    format('SELECT pg_temp.confirm(%L)', pg_temp.o('aborted')), '23514',
    'a hook that fails aborts the confirmation'
);
ALTER TABLE erp.sales_inventory_move_lines DROP CONSTRAINT test_refuse_links;
SELECT is(pg_temp.delivered(pg_temp.o('aborted')), 'draft: 0', 'the order is still a draft');

SELECT * FROM finish();
ROLLBACK;
