-- erp.inventory_picking_validate: done moves into the ledger (one audited event each) and the
-- balances in the same call; a shortfall makes a backorder (reservation kept) or, with
-- p_backorder false, cancels the rest and releases it; the number is requested at commit (IN,
-- OUT, INT); the hook erp.inventory.picking.done runs with the record the contract fixes; every
-- refusal (ZE010 beyond what is available, ZE009 wrong state or nothing done, ZE003 bad
-- p_done) writes nothing.
BEGIN;
\ir include/inventory_fixture.sql
SELECT plan(60);
CREATE TEMP TABLE p (name text PRIMARY KEY, id uuid);

-- a hook that remembers its record (in a transaction-local setting) and refuses origin "refuse"
CREATE FUNCTION erp._test_inventory_done(p_tenant_id uuid, p_record jsonb) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_record -> 'picking' ->> 'origin' = 'refuse' THEN
        RAISE EXCEPTION 'refused by a hook' USING ERRCODE = 'ZE009';
    END IF;
    PERFORM set_config('test.hook', p_record::text, true);
END
$fn$;
SELECT set_config('erp.module', 'inventory', true);  -- as the installer does for a migration
SELECT erp_meta.hook_register('erp.inventory.picking.done', 'erp._test_inventory_done(uuid,jsonb)', 900);
SELECT set_config('erp.module', '', true);

-- ===== a receipt, validated whole ============================================================
INSERT INTO p VALUES ('in', pg_temp.pick('receipt', '[["W1", 10], ["W2", 2, "DZ"]]'));
SELECT is(
    pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'in')), 'confirmed confirmed:10:10:0 confirmed:2:24:0',
    'a confirmed receipt');
SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'v',
    (SELECT x.id FROM p AS x WHERE x.name = 'in')) IS NOT NULL AS validated;
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'in')), 'done done:10:10:0 done:2:24:0',
    'picking_validate: a confirmed picking is validated, its moves done');
SELECT is(pg_temp.bal('W1', 'STOCK') || ' ' || pg_temp.bal('W1', 'SUPPLIERS') || ' ' || pg_temp.bal('W2', 'STOCK'),
    '10/0 -10/0 24/0', 'balances: into stock, out of suppliers (which reads negative)');
SELECT is(
    (SELECT string_agg(e.event_type, ',' ORDER BY e.event_type) FROM erp.erp_audit_events AS e
     WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.trace_id = 'v'),
    'erp.inventory.move.done,erp.inventory.move.done,erp.inventory.picking.done',
    'one audited done event per move, one for the picking');
SELECT is(
    (SELECT r.entity_type || ' ' || s.code FROM erp.erp_number_requests AS r
     INNER JOIN erp.erp_sequences AS s ON r.tenant_id = s.tenant_id AND r.sequence_id = s.id
     WHERE r.entity_id = (SELECT x.id FROM p AS x WHERE x.name = 'in')),
    'erp.inventory.picking IN', 'the receipt''s number is requested from IN, allocated at commit');
SELECT is(
    (SELECT jsonb_build_object('picking', r -> 'picking' ->> 'state', 'moves', jsonb_array_length(r -> 'picking' -> 'moves'),
        'id', (r -> 'picking' ->> 'id')::uuid = (SELECT x.id FROM p AS x WHERE x.name = 'in'),
        'backorder', r -> 'backorder', 'actor_type', r -> 'actor_type', 'actor_user_id', r -> 'actor_user_id',
        'trace_id', r -> 'trace_id')
     FROM (SELECT current_setting('test.hook')::jsonb AS r) AS h),
    '{"picking": "done", "moves": 2, "id": true, "backorder": null, "actor_type": "SYSTEM", "actor_user_id": null,
      "trace_id": "v"}'::jsonb,
    'the hook erp.inventory.picking.done ran with the validated picking, no backorder and the caller''s context');
SELECT is(
    (SELECT ARRAY[i.on_hand, i.reserved, i.available] FROM erp.inventory_on_hand('a0000000-0000-4000-8000-00000000000a',
        pg_temp.product('W2')) AS i),
    ARRAY[24, 0, 24]::numeric[], 'on hand 24 pieces from 2 dozen');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'in'))$$,
    'ZE009', 'validating a done picking is ZE009');
INSERT INTO p VALUES ('draft', pg_temp.pick('delivery', '[["W1", 1]]', false));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'draft'))$$,
    'ZE009', 'validating a draft picking is ZE009 (confirm first)');

-- ===== a delivery with a shortfall: backorder ================================================
INSERT INTO p VALUES ('out', pg_temp.pick('delivery', '[["W1", 6], ["W2", 10]]'));
SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'out')) IS NOT NULL AS reserved;
SELECT is(pg_temp.bal('W1', 'STOCK') || ' ' || pg_temp.bal('W2', 'STOCK'), '10/6 24/10', 'both moves reserved');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'out'), '{"%s": 11}')$$, (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'out')))[1]),
    'ZE010', 'doing 11 of W1 where 10 are on hand (6 of them reserved for it) is ZE010, nothing written');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'out'), '{"d0000000-0000-4000-8000-00000000000d": 1}')$$,
    'ZE003', 'p_done naming a move that is not this picking''s is ZE003');
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'out'), '{"%s": -1}')$$, (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'out')))[1]),
    'ZE003', 'a negative done quantity is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'out'), '[1]')$$,
    'ZE003', 'p_done that is not an object is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'out'), (SELECT jsonb_object_agg(g::text, 1) FROM generate_series(1, 100000) AS g))$$,
    'ZE003', 'a huge p_done is refused before any work');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'out'), '{}')$$,
    'ZE009', 'nothing done at all is ZE009');
INSERT INTO p VALUES ('oil', pg_temp.pick('receipt', '[["OIL", 1]]'));
SELECT * FROM pg_temp.refused(
    format($$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'oil'), '{"%s": 0.0004}')$$, (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'oil')))[1]),
    'ZE003', 'a done quantity that rounds to 0 in the product''s unit is ZE003');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'out'), NULL, NULL)$$,
    'ZE003', 'p_backorder NULL is ZE003');
SELECT set_config('test.hook', '', true);
SELECT is(
    erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'b',
        (SELECT x.id FROM p AS x WHERE x.name = 'out'),
        format('{"%s": 4}', (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'out')))[1])::jsonb) ->> 'state',
    'done', 'validated with 4 of 6 W1 done and no W2');
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'out')), 'done done:4:4:0',
    'the done move keeps what was done; the move with nothing done left the picking');
INSERT INTO p VALUES ('bo', (SELECT b.id FROM erp.inventory_pickings AS b WHERE b.backorder_of_id = (SELECT x.id FROM p AS x WHERE x.name = 'out')));
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'bo')), 'assigned assigned:2:2:2 assigned:10:10:10',
    'the backorder: the rest of W1 split off (position 1), W2 moved over whole (position 2), each keeping its reservation');
SELECT is(
    (SELECT m.split_from_id = (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'out')))[1] AND m.position = 1
     FROM erp.inventory_moves AS m WHERE m.picking_id = (SELECT x.id FROM p AS x WHERE x.name = 'bo') AND m.product_id = pg_temp.product('W1')),
    true, 'the split rest names the done move in split_from_id and keeps its position');
SELECT is(
    (SELECT jsonb_build_object('kind', b.kind, 'origin', b.origin, 'number', b.number)
     FROM erp.inventory_pickings AS b WHERE b.id = (SELECT x.id FROM p AS x WHERE x.name = 'bo')),
    '{"kind": "delivery", "origin": null, "number": null}'::jsonb, 'the backorder is an unnumbered delivery');
SELECT is(pg_temp.bal('W1', 'STOCK') || ' ' || pg_temp.bal('W1', 'CUSTOMERS') || ' ' || pg_temp.bal('W2', 'STOCK'),
    '6/2 4/0 24/10', 'balances: 4 left stock; the backorder''s 2 + 10 are still reserved');
SELECT is(
    (SELECT (r -> 'backorder' ->> 'id')::uuid = (SELECT x.id FROM p AS x WHERE x.name = 'bo') AND jsonb_array_length(r -> 'backorder' -> 'moves') = 2
     FROM (SELECT current_setting('test.hook')::jsonb AS r) AS h),
    true, 'the hook''s record carries the backorder');
SELECT is(
    (SELECT r.entity_type || ' ' || s.code FROM erp.erp_number_requests AS r
     INNER JOIN erp.erp_sequences AS s ON r.tenant_id = s.tenant_id AND r.sequence_id = s.id
     WHERE r.entity_id = (SELECT x.id FROM p AS x WHERE x.name = 'out')),
    'erp.inventory.picking OUT', 'a delivery''s number comes from OUT');

-- ===== p_backorder false: the rest is cancelled and released =================================
SELECT is(
    erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'c',
        (SELECT x.id FROM p AS x WHERE x.name = 'bo'),
        format('{"%s": 2}', (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'bo')))[1])::jsonb, false) ->> 'state',
    'done', 'a backorder validated with p_backorder false');
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'bo')), 'done done:2:2:0 cancelled:10:10:0',
    'the W1 rest done, W2 (nothing done) cancelled');
SELECT is(pg_temp.bal('W1', 'STOCK') || ' ' || pg_temp.bal('W2', 'STOCK'), '4/0 24/0',
    'the cancelled rest''s reservation is released');
SELECT is((SELECT count(*) FROM erp.inventory_pickings AS b WHERE b.backorder_of_id = (SELECT x.id FROM p AS x WHERE x.name = 'bo')),
    0::bigint, 'no new backorder');

-- partial done with p_backorder false: the rest of a move is not kept anywhere
INSERT INTO p VALUES ('cut', pg_temp.pick('delivery', '[["W2", 5]]'));
SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'cut')) IS NOT NULL AS reserved;
SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'cut'), format('{"%s": 2}', (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'cut')))[1])::jsonb,
    false) IS NOT NULL AS validated;
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'cut')) || ' ' || pg_temp.bal('W2', 'STOCK'), 'done done:2:2:0 22/0',
    '2 of 5 done without a backorder: 2 left stock, all 5 released');

-- ===== done beyond the reservation and beyond the demand =====================================
INSERT INTO p VALUES ('more', pg_temp.pick('delivery', '[["W2", 3]]'));
SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'more'), format('{"%s": 5}', (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'more')))[1])::jsonb)
    IS NOT NULL AS validated;
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'more')) || ' ' || pg_temp.bal('W2', 'STOCK'), 'done done:5:5:0 17/0',
    'an unreserved picking is validated from what is available, more than its demand too');
INSERT INTO p VALUES ('held', pg_temp.pick('delivery', '[["W2", 15]]'));
SELECT erp.inventory_picking_reserve('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'held')) IS NOT NULL AS reserved;
INSERT INTO p VALUES ('grab', pg_temp.pick('delivery', '[["W2", 3]]'));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'grab'))$$,
    'ZE010', 'stock reserved for another picking cannot be taken: 3 wanted, 2 free: ZE010');
SELECT is(
    pg_temp.detail($$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'grab'))$$),
    'ZE010 product=W2 location=STOCK available=2 requested=3', 'its DETAIL');

-- ===== consumables go negative; a hook's refusal aborts everything ===========================
INSERT INTO p VALUES ('bag', pg_temp.pick('delivery', '[["BAG", 4]]'));
SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'bag')) IS NOT NULL AS validated;
SELECT is(pg_temp.bal('BAG', 'STOCK'), '-4/0', 'a consumable may go negative in stock (exempt, as Odoo)');
SELECT is_empty($$SELECT * FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'and verify does not report it');
INSERT INTO p VALUES ('refuse', (erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'receipt', jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 1)),
    p_origin => 'refuse') ->> 'id')::uuid);
SELECT erp.inventory_picking_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'refuse')) IS NOT NULL AS confirmed;
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'refuse'))$$,
    'ZE009', 'a hook''s error aborts the validation: nothing written');

-- ===== an internal transfer through a transit location =======================================
SELECT erp.inventory_location_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'TRUCK', 'Truck', 'transit');
INSERT INTO p VALUES ('int', (erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'internal', jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 3)),
    p_from_location_id => pg_temp.loc('STOCK'), p_to_location_id => pg_temp.loc('TRUCK')) ->> 'id')::uuid);
SELECT erp.inventory_picking_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'int')) IS NOT NULL AS confirmed;
SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'int')) IS NOT NULL AS validated;
SELECT is(pg_temp.bal('W1', 'STOCK') || ' ' || pg_temp.bal('W1', 'TRUCK'), '1/0 3/0', 'stock moved into transit');
SELECT is(
    (SELECT s.code FROM erp.erp_number_requests AS r INNER JOIN erp.erp_sequences AS s ON r.sequence_id = s.id
     WHERE r.entity_id = (SELECT x.id FROM p AS x WHERE x.name = 'int')),
    'INT', 'an internal transfer''s number comes from INT');
INSERT INTO p VALUES ('int2', (erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'internal', jsonb_build_array(jsonb_build_object('product_id', pg_temp.product('W1'), 'quantity', 4)),
    p_from_location_id => pg_temp.loc('TRUCK'), p_to_location_id => pg_temp.loc('CUSTOMERS')) ->> 'id')::uuid);
SELECT erp.inventory_picking_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'int2')) IS NOT NULL AS confirmed;
SELECT * FROM pg_temp.refused(
    $$SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'r',
        (SELECT x.id FROM p AS x WHERE x.name = 'int2'))$$,
    'ZE010', 'a transit location never goes negative either');

-- ===== a backorder of a backorder: a move done 0 twice keeps its id (and its split_from_id) ====
INSERT INTO p VALUES ('bb0', pg_temp.pick('receipt', '[["W1", 3], ["W2", 3]]'));
SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'bb0'), jsonb_build_object(
        (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'bb0')))[1]::text, 1,
        (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'bb0')))[2]::text, 1)) IS NOT NULL AS validated;
INSERT INTO p SELECT 'bb1' AS name, b.id FROM erp.inventory_pickings AS b
    WHERE b.backorder_of_id = (SELECT x.id FROM p AS x WHERE x.name = 'bb0');
INSERT INTO p VALUES ('bb1 W1', (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'bb1')))[1]);
-- W1's split rest is done 0: it goes over whole, already carrying a split_from_id
SELECT erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT x.id FROM p AS x WHERE x.name = 'bb1'), jsonb_build_object(
        (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'bb1')))[2]::text, 1)) IS NOT NULL AS validated;
INSERT INTO p SELECT 'bb2' AS name, b.id FROM erp.inventory_pickings AS b
    WHERE b.backorder_of_id = (SELECT x.id FROM p AS x WHERE x.name = 'bb1');
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'bb2')), 'confirmed confirmed:2:2:0 confirmed:1:1:0',
    'a backorder of a backorder: W1''s rest moved over whole, W2''s rest split again');
SELECT is(
    erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        (SELECT x.id FROM p AS x WHERE x.name = 'bb2'), jsonb_build_object(
            (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'bb2')))[2]::text, 1)) ->> 'state',
    'done', 'validated with W1 done 0 a second time');
INSERT INTO p SELECT 'bb3' AS name, b.id FROM erp.inventory_pickings AS b
    WHERE b.backorder_of_id = (SELECT x.id FROM p AS x WHERE x.name = 'bb2');
SELECT is(pg_temp.shape((SELECT x.id FROM p AS x WHERE x.name = 'bb3')), 'confirmed confirmed:2:2:0',
    'the third backorder holds W1''s rest alone');
SELECT is(
    (SELECT m.id = (SELECT x.id FROM p AS x WHERE x.name = 'bb1 W1')
        AND m.split_from_id = (pg_temp.moves((SELECT x.id FROM p AS x WHERE x.name = 'bb0')))[1]
     FROM erp.inventory_moves AS m WHERE m.picking_id = (SELECT x.id FROM p AS x WHERE x.name = 'bb3')),
    true, 'it is the same move as in the first backorder, still naming the move it was split from');
SELECT is(
    (SELECT count(*) FROM erp.inventory_moves AS m
     WHERE m.picking_id IN (SELECT x.id FROM p AS x WHERE x.name IN ('bb0', 'bb1', 'bb2', 'bb3'))
        AND m.product_id = pg_temp.product('W1')),
    2::bigint, 'W1 has two moves over the four pickings: the one done and its rest, never a copy');

SELECT is_empty($$SELECT * FROM erp.inventory_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'inventory_verify is clean after all of it');
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$, 'audit_verify is clean');

SELECT * FROM finish();
ROLLBACK;
