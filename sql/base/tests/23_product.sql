-- Products: erp.product_create / _update / _archive / _restore / _get / _list. SKU and barcode
-- keys (trim + NFKC + case folding), units (active, of this tenant, purchase unit of the same
-- category), prices, product types, audit events. Every refusal of a write: SQLSTATE, then
-- "nothing written" (no row, no audit event).
BEGIN;
\ir include/core_helpers.sql
SELECT plan(120);

\ir include/master_data.sql

SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', c.code, c.code)
FROM (VALUES ('WEIGHT'), ('UNIT')) AS c (code);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'KG', 'Kilogram', 'WEIGHT');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'G', 'Gram', 'WEIGHT', 'smaller', 1000, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'PC', 'Piece', 'UNIT', p_rounding => 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'DZ', 'Dozen', 'UNIT', 'bigger', 12, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'BOX', 'Box of 6', 'UNIT', 'bigger', 6, 1);
SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('BOX'));

-- ===== product_create =======================================================================
SELECT is(
    (SELECT to_jsonb(p) - 'id' - 'created_at' - 'updated_at'
    FROM erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', ' W-1 ', ' Widget ',
        pg_temp.u('PC')) AS p),
    jsonb_build_object('tenant_id', 'a0000000-0000-4000-8000-00000000000a', 'sku', 'W-1', 'sku_key', 'w-1',
        'name', 'Widget', 'product_type', 'goods', 'uom_id', pg_temp.u('PC'), 'purchase_uom_id', NULL,
        'list_price', 0, 'barcode', NULL, 'barcode_key', NULL, 'active', true, 'version', 1),
    'product_create: defaults goods / price 0 / no barcode / no purchase unit; SKU and name trimmed'
);
SELECT is(
    (SELECT jsonb_build_object('type', e.event_type, 'v', e.entity_version, 'payload_is_row', e.payload = pg_temp.snap(to_jsonb(p)))
    FROM erp.erp_audit_events AS e INNER JOIN erp.erp_products AS p ON e.entity_id = p.id WHERE p.sku = 'W-1'),
    '{"type": "erp.base.product.created", "v": 1, "payload_is_row": true}'::jsonb,
    'the created event carries the row'
);
SELECT is(
    (SELECT (p.product_type, p.list_price, p.barcode, p.purchase_uom_id = pg_temp.u('DZ'))::text
    FROM erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'EGG', 'Eggs', pg_temp.u('PC'),
        'consumable', 0.25, ' 4006381333931 ', pg_temp.u('DZ')) AS p),
    '(consumable,0.25,4006381333931,t)',
    'every field: type, price, barcode (trimmed), purchase unit of the same category'
);
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'FLOUR', 'Flour', pg_temp.u('KG'),
    p_list_price => 1.10, p_purchase_uom_id => pg_temp.u('G'));
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'SETUP', 'Setup service',
    pg_temp.u('PC'), 'service', 99);
SELECT is(
    (SELECT p.purchase_uom_id FROM erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        'SALT', 'Salt', pg_temp.u('KG'), p_purchase_uom_id => pg_temp.u('KG')) AS p),
    pg_temp.u('KG'),
    'the purchase unit may be the unit itself'
);

-- SKU and barcode keys
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'w-1', 'x', pg_temp.u('PC'))$$,
    'ZE002', 'SKU w-1 collides with W-1');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', E'\tW-1 ', 'x', pg_temp.u('PC'))$$,
    'ZE002', 'SKU with surrounding whitespace collides');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'Ｗ－１', 'x', pg_temp.u('PC'))$$,
    'ZE002', 'full-width SKU collides (NFKC)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_barcode => '4006381333931')$$,
    'ZE002', 'duplicate barcode');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_barcode => '４００６３８１３３３９３１')$$,
    'ZE002', 'duplicate barcode in full-width digits');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', '', 'x', pg_temp.u('PC'))$$,
    'ZE003', 'empty SKU');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', E'\n ', 'x', pg_temp.u('PC'))$$,
    'ZE003', 'whitespace-only SKU');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', NULL, 'x', pg_temp.u('PC'))$$,
    'ZE003', 'NULL SKU');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', ' ', pg_temp.u('PC'))$$,
    'ZE003', 'blank name');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_barcode => ' ')$$,
    'ZE003', 'blank barcode (NULL means none)');
-- type and price
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'), 'robot')$$,
    'ZE003', 'unknown product type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_list_price => -0.01)$$,
    'ZE003', 'negative price');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_list_price => 'NaN')$$,
    'ZE003', 'price NaN');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_list_price => 'Infinity')$$,
    'ZE003', 'price Infinity');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_list_price => NULL)$$,
    'ZE003', 'price NULL');
-- units
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', NULL)$$,
    'ZE003', 'no unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x',
        'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'unknown unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_purchase_uom_id => 'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'unknown purchase unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('BOX'))$$,
    'ZE009', 'an archived unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_purchase_uom_id => pg_temp.u('BOX'))$$,
    'ZE009', 'an archived purchase unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_purchase_uom_id => pg_temp.u('KG'))$$,
    'ZE009', 'a purchase unit of another category');
SELECT throws_like(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'),
        p_purchase_uom_id => pg_temp.u('KG'))$$,
    '%purchase unit KG is not in the category of unit PC%',
    'the message names both units'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'USER', 't', 'X1', 'x', pg_temp.u('PC'))$$,
    'ZE008', 'product_create: USER without user id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('e0000000-0000-4000-8000-00000000000e', NULL, 'SYSTEM', 't', 'X1', 'x', pg_temp.u('PC'))$$,
    'ZE006', 'product_create: unknown tenant');

-- ===== get / list ===========================================================================
SELECT is((erp.product_get('a0000000-0000-4000-8000-00000000000a', pg_temp.product('EGG'))).list_price, 0.25::numeric,
    'product_get');
SELECT throws_ok(
    $$SELECT erp.product_get('a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', NULL, 'product_get: unknown id');
SELECT is(
    array(SELECT p.sku FROM erp.product_list('a0000000-0000-4000-8000-00000000000a') AS p),
    ARRAY['EGG', 'FLOUR', 'SALT', 'SETUP', 'W-1'],
    'product_list: ordered by SKU key'
);
SELECT is(
    array(SELECT p.sku FROM erp.product_list('a0000000-0000-4000-8000-00000000000a', p_uom_id => pg_temp.u('PC')) AS p),
    ARRAY['EGG', 'SETUP', 'W-1'],
    'product_list by unit'
);
SELECT is(
    array(SELECT p.sku FROM erp.product_list('a0000000-0000-4000-8000-00000000000a', p_product_type => 'service') AS p),
    ARRAY['SETUP'],
    'product_list by type'
);
SELECT is_empty(
    $$SELECT * FROM erp.product_list('a0000000-0000-4000-8000-00000000000a', p_uom_id => pg_temp.u('DZ'))$$,
    'product_list by unit matches the sales unit, not the purchase unit'
);

-- ===== product_update =======================================================================
SELECT is(
    (SELECT (p.list_price, p.name, p.version)::text FROM erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 't', pg_temp.product('W-1'), '{"list_price": "24.50", "name": "Widget XL"}', 1) AS p),
    '(24.50,"Widget XL",2)',
    'product_update: price (as a JSON string) and name, version 2'
);
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.product('W-1') AND e.entity_version = 2),
    '{"list_price": {"old": 0, "new": 24.50}, "name": {"old": "Widget", "new": "Widget XL"}}'::jsonb,
    'the updated event records the changes'
);
SELECT is(
    (SELECT p.version FROM erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.product('W-1'), '{"list_price": 24.5, "sku": "W-1 "}') AS p),
    2::bigint,
    'a patch that changes nothing keeps the version'
);
SELECT is(pg_temp.events('a0000000-0000-4000-8000-00000000000a', pg_temp.product('W-1')), 2::bigint, '... and writes no event');
SELECT is(
    (SELECT (p.uom_id = pg_temp.u('KG'), p.purchase_uom_id = pg_temp.u('G'))::text
    FROM erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('W-1'),
        jsonb_build_object('uom_id', pg_temp.u('KG'), 'purchase_uom_id', pg_temp.u('G'))) AS p),
    '(t,t)',
    'unit and purchase unit change together to another category'
);
SELECT is(
    (SELECT (p.barcode, p.product_type)::text FROM erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 't', pg_temp.product('W-1'), '{"barcode": " 123 ", "product_type": "consumable"}') AS p),
    '(123,consumable)',
    'barcode (trimmed) and type'
);
SELECT is(
    (SELECT p.barcode IS NULL FROM erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.product('W-1'), '{"barcode": null}') AS p),
    true,
    'NULL removes the barcode'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('W-1'),
        jsonb_build_object('uom_id', pg_temp.u('PC')))$$,
    'ZE009', 'product_update: a unit of another category than the purchase unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'),
        jsonb_build_object('purchase_uom_id', pg_temp.u('BOX')))$$,
    'ZE009', 'product_update: an archived purchase unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'),
        '{"uom_id": "f0000000-0000-4000-8000-0000000000ff"}')$$,
    'ZE001', 'product_update: unknown unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), '{"uom_id": null}')$$,
    'ZE003', 'product_update: no unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), '{"sku": "ｆｌｏｕｒ"}')$$,
    'ZE002', 'product_update: SKU of another product');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('W-1'),
        '{"barcode": "4006381333931"}')$$,
    'ZE002', 'product_update: barcode of another product');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), '{"list_price": -1}')$$,
    'ZE003', 'product_update: negative price');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), '{"list_price": "cheap"}')$$,
    'ZE003', 'product_update: price of the wrong type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), '{"product_type": "gift"}')$$,
    'ZE003', 'product_update: unknown type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), '{"sku_key": "x"}')$$,
    'ZE003', 'product_update: generated sku_key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), '{"weight": 1}')$$,
    'ZE003', 'product_update: unknown key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), '{"name": "x"}', 7)$$,
    'ZE004', 'product_update: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        'f0000000-0000-4000-8000-0000000000ff', '{"name": "x"}')$$,
    'ZE001', 'product_update: unknown id');

-- ===== archive / restore ====================================================================
SELECT is(
    (SELECT (p.active, p.version)::text FROM erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 'trace-arch', pg_temp.product('EGG'), 1) AS p),
    '(f,2)',
    'product_archive: version + 1'
);
SELECT is(
    (SELECT e.event_type || ' ' || e.trace_id FROM erp.erp_audit_events AS e
    WHERE e.entity_id = pg_temp.product('EGG') AND e.entity_version = 2),
    'erp.base.product.archived trace-arch',
    'the archived event'
);
SELECT is(
    (SELECT p.version FROM erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG')) AS p),
    2::bigint,
    'archiving an archived product returns it unchanged'
);
SELECT is(pg_temp.events('a0000000-0000-4000-8000-00000000000a', pg_temp.product('EGG')), 2::bigint, '... and writes no event');
SELECT is(
    array(SELECT p.sku FROM erp.product_list('a0000000-0000-4000-8000-00000000000a', p_uom_id => pg_temp.u('PC')) AS p),
    ARRAY['SETUP'],
    'product_list hides archived products'
);
SELECT is(
    array(SELECT p.sku FROM erp.product_list('a0000000-0000-4000-8000-00000000000a', true, pg_temp.u('PC')) AS p),
    ARRAY['EGG', 'SETUP'],
    'product_list with p_include_archived shows them'
);
SELECT is(
    (erp.product_get('a0000000-0000-4000-8000-00000000000a', pg_temp.product('EGG'))).active, false,
    'product_get returns archived products'
);
-- with EGG archived, its purchase unit DZ is free to go; then EGG cannot come back
SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('DZ'));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'))$$,
    'ZE009', 'product_restore: its purchase unit is archived');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG'), 1)$$,
    'ZE004', 'product_restore: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'product_restore: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'product_archive: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('SALT'), 5)$$,
    'ZE004', 'product_archive: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'USER', 't', pg_temp.product('SALT'))$$,
    'ZE008', 'product_archive: USER without user id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_archive('e0000000-0000-4000-8000-00000000000e', NULL, 'SYSTEM', 't', pg_temp.product('SALT'))$$,
    'ZE006', 'product_archive: unknown tenant');
SELECT erp.uom_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('DZ'));
SELECT is(
    (SELECT (p.active, p.version)::text FROM erp.product_restore('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 'trace-rest', pg_temp.product('EGG'), 2) AS p),
    '(t,3)',
    'product_restore once its units are active again'
);
SELECT is(
    (SELECT e.event_type FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.product('EGG') AND e.entity_version = 3),
    'erp.base.product.restored',
    'the restored event'
);
SELECT is(
    (SELECT p.version FROM erp.product_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.product('EGG')) AS p),
    3::bigint,
    'restoring an active product returns it unchanged'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('DZ'))$$,
    'ZE005', 'uom_archive: the purchase unit of the restored product is in use again');

-- ===== privileges ===========================================================================
SELECT pg_temp.lives_as('erp_app',
    $$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000001', 'USER', 't',
        'APP-1', 'Created by the app', (SELECT erp.uom_list('a0000000-0000-4000-8000-00000000000a', false, 'unit') LIMIT 1).id)$$,
    'erp_app may call product_create (and find the unit with uom_list)');
SELECT pg_temp.throws_as('erp_app', $$SELECT count(*) FROM erp.erp_products$$, '42501',
    'erp_app cannot read the product table');
SELECT pg_temp.throws_as('erp_admin', $$SELECT erp._product_uom_check('a0000000-0000-4000-8000-00000000000a', NULL)$$,
    '42501', 'erp_admin cannot call the internal helpers');

SELECT is_empty(
    $$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify finds nothing wrong after all of the above'
);

SELECT * FROM finish();
ROLLBACK;
