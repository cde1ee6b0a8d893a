-- Cancelling an order (hook erp.sales.order.cancel): before any delivery its open delivery is
-- cancelled and the reservation released; once anything was delivered the cancellation is
-- refused (ZE009) with nothing written, by sales and, after taking the lines' locks, by the
-- bridge itself; an order without delivery (services, or a draft) cancels alone.
BEGIN;
\ir include/fixture.sql
SELECT plan(15);

SELECT pg_temp.stock('BOOK', 10);
CREATE TEMP TABLE o (name text PRIMARY KEY, id uuid NOT NULL) ON COMMIT DROP;
INSERT INTO o VALUES
('reserved', pg_temp.order_of(ARRAY[['BOOK', '3', 'PC'], ['SETUP', '1', 'PC']])),
('partly', pg_temp.order_of(ARRAY[['BOOK', '4', 'PC']])),
('services', pg_temp.order_of(ARRAY[['SETUP', '1', 'PC']])),
('draft', pg_temp.order_of(ARRAY[['BOOK', '1', 'PC']]));
CREATE FUNCTION pg_temp.o(p_name text) RETURNS uuid LANGUAGE sql AS $fn$ SELECT o.id FROM o WHERE o.name = p_name $fn$;
CREATE FUNCTION pg_temp.cancel(p_order_id uuid) RETURNS void
LANGUAGE sql
AS $fn$
    SELECT erp.sales_order_cancel('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'cancel', p_order_id)
$fn$;
SELECT pg_temp.confirm(o.id) FROM o WHERE o.name <> 'draft' ORDER BY o.name;

-- before delivery: the delivery is cancelled, its reservation released
SELECT pg_temp.reserve(pg_temp.delivery(pg_temp.o('reserved'), 1));
SELECT is(pg_temp.on_hand('BOOK'), '10/3', 'the delivery reserved 3 books');
SELECT pg_temp.cancel(pg_temp.o('reserved'));
SELECT is(pg_temp.delivered(pg_temp.o('reserved')), 'cancelled: 0 0', 'the order is cancelled');
SELECT is(
    (SELECT (p ->> 'state') || ' ' || array_to_string(pg_temp.moves((p ->> 'id')::uuid), ',')
    FROM pg_temp.picking(pg_temp.delivery(pg_temp.o('reserved'), 1)) AS p),
    'cancelled BOOK 3 PC cancelled 0',
    'its delivery and its move are cancelled'
);
SELECT is(pg_temp.on_hand('BOOK'), '10/0', 'the reservation is released, stock unchanged');
SELECT is(
    pg_temp.verbs('erp.inventory.picking', pg_temp.delivery(pg_temp.o('reserved'), 1)),
    ARRAY['created', 'confirmed', 'reserved', 'cancelled'],
    'the delivery''s trail ends with its cancellation'
);

-- after a partial delivery: refused, by sales first
SELECT pg_temp.reserve(pg_temp.delivery(pg_temp.o('partly'), 1));
SELECT pg_temp.validate(pg_temp.delivery(pg_temp.o('partly'), 1), '{"BOOK": 1}');
SELECT is(pg_temp.delivered(pg_temp.o('partly')), 'confirmed: 1', '1 of 4 books delivered, 3 in a backorder');
SELECT * FROM pg_temp.refused(
    format('SELECT pg_temp.cancel(%L)', pg_temp.o('partly')), 'ZE009',
    'cancelling an order with a delivered quantity'
);
-- ... and by the bridge, which checks the delivered quantities under the lines' locks (a
-- delivery validated while the cancellation waited for them): its hook called on its own
SELECT * FROM pg_temp.refused(
    format($$SELECT erp._sales_inventory_on_order_cancel('c0000000-0000-4000-8000-00000000000c',
        jsonb_build_object('order', pg_temp.order_get(%L), 'actor_user_id', NULL, 'actor_type', 'SYSTEM',
            'trace_id', 'cancel'))$$, pg_temp.o('partly')), 'ZE009',
    'the bridge''s cancel hook refuses an order with a delivered quantity'
);
SELECT is(
    (SELECT (p ->> 'state') || ' ' || array_to_string(pg_temp.moves((p ->> 'id')::uuid), ',')
    FROM pg_temp.picking(pg_temp.delivery(pg_temp.o('partly'), 2)) AS p),
    'assigned BOOK 3 PC assigned 3',
    'the backorder is still open and reserved'
);

-- no delivery to cancel: services alone, a draft
SELECT pg_temp.cancel(pg_temp.o('services'));
SELECT pg_temp.cancel(pg_temp.o('draft'));
SELECT is(pg_temp.delivered(pg_temp.o('services')) || ' ' || pg_temp.delivered(pg_temp.o('draft')),
    'cancelled: 0 cancelled: 0', 'an order of services and a draft cancel without any delivery');
SELECT is(pg_temp.deliveries(pg_temp.o('draft')), '{}'::uuid[], 'the draft never had one');

SELECT is((SELECT count(*) FROM erp.inventory_verify('c0000000-0000-4000-8000-00000000000c')), 0::bigint,
    'inventory_verify: the balances equal the ledger');
SELECT is((SELECT count(*) FROM erp.audit_verify('c0000000-0000-4000-8000-00000000000c')), 0::bigint,
    'audit_verify: every row replays from its events');

SELECT * FROM finish();
ROLLBACK;
