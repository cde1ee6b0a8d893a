-- Tenant isolation of the master-data functions (units, partners, products): tenant B's
-- context on tenant A's ids and codes answers ZE001 or an empty list and writes nothing; the
-- same codes, SKUs and tax ids may exist in both tenants; in-use checks count only the
-- tenant's own records.
BEGIN;
\ir include/core_helpers.sql
SELECT plan(53);

SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'Acme');
SELECT erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'trace-b', 'Beta');

-- id of a unit / partner / product by tenant and code (test shorthand)
CREATE FUNCTION pg_temp.u(p_tenant_id uuid, p_code text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT u.id FROM erp.erp_uoms AS u WHERE u.tenant_id = p_tenant_id AND u.code_key = erp._code_key(p_code)
$fn$;
CREATE FUNCTION pg_temp.p(p_tenant_id uuid, p_code text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT p.id FROM erp.erp_partners AS p WHERE p.tenant_id = p_tenant_id AND p.code_key = erp._code_key(p_code)
$fn$;
CREATE FUNCTION pg_temp.pr(p_tenant_id uuid, p_sku text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT p.id FROM erp.erp_products AS p WHERE p.tenant_id = p_tenant_id AND p.sku_key = erp._code_key(p_sku)
$fn$;

-- tenant A
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', c.code, c.code)
FROM (VALUES ('WEIGHT'), ('VOLUME')) AS c (code);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'KG', 'Kilogram', 'WEIGHT');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'G', 'Gram', 'WEIGHT', 'smaller', 1000, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'L', 'Litre', 'VOLUME');
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'ACME', 'Acme', p_tax_id => 'DE123');
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'JANE', 'Jane', 'person',
    pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'ACME'));
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'SOLOCO', 'Solo company');
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'W-1', 'Widget',
    pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'KG'), p_barcode => '4006381333931');
SELECT erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    pg_temp.pr('a0000000-0000-4000-8000-00000000000a', 'W-1'));

-- tenant B: the same codes, SKU, barcode and tax id are its own
SELECT is(
    (erp.uom_category_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'WEIGHT', 'Weight')).code,
    'WEIGHT', 'B may have a category code that A has');
SELECT is(
    (erp.uom_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'KG', 'Kilogram', 'WEIGHT')).code,
    'KG', 'B may have a unit code that A has');
SELECT erp.uom_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'G', 'Gram', 'WEIGHT', 'smaller', 1000, 1);
SELECT is(
    (erp.partner_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'ACME', 'Acme B', p_tax_id => 'de123')).tax_id,
    'de123', 'B may have a partner code and tax id that A has');
SELECT erp.partner_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'SOLOCO', 'B company');
SELECT erp.partner_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'BOB', 'Bob', 'person',
    pg_temp.p('b0000000-0000-4000-8000-00000000000b', 'SOLOCO'));
SELECT is(
    (erp.product_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'W-1', 'Widget B',
        pg_temp.u('b0000000-0000-4000-8000-00000000000b', 'G'), p_barcode => '4006381333931')).sku,
    'W-1', 'B may have a SKU and barcode that A has');

CREATE TEMP TABLE a_state ON COMMIT DROP AS
SELECT pg_temp.tenant_state('a0000000-0000-4000-8000-00000000000a') AS s;

-- ===== units: B on A's ids and codes ========================================================
SELECT throws_ok(
    $$SELECT erp.uom_get('b0000000-0000-4000-8000-00000000000b', pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'L'))$$,
    'ZE001', NULL, 'uom_get: A''s unit in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'L'), '{"name": "stolen"}')$$,
    'ZE001', 'uom_update: A''s unit in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_archive('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'L'))$$,
    'ZE001', 'uom_archive: A''s unit in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_restore('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'L'))$$,
    'ZE001', 'uom_restore: A''s unit in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'ML', 'Millilitre', 'VOLUME')$$,
    'ZE001', 'uom_create: a category code that only A has');
SELECT throws_ok(
    $$SELECT erp.uom_convert('b0000000-0000-4000-8000-00000000000b', 1,
        pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'G'), pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'KG'))$$,
    'ZE001', NULL, 'uom_convert: A''s units in B');
SELECT throws_ok(
    $$SELECT erp.uom_convert('b0000000-0000-4000-8000-00000000000b', 1,
        pg_temp.u('b0000000-0000-4000-8000-00000000000b', 'G'), pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'KG'))$$,
    'ZE001', NULL, 'uom_convert: B''s unit to A''s unit');
SELECT is(
    array(SELECT u.code FROM erp.uom_list('b0000000-0000-4000-8000-00000000000b', true) AS u),
    ARRAY['G', 'KG'],
    'uom_list(B) shows only B''s units'
);
SELECT is_empty(
    $$SELECT * FROM erp.uom_list('b0000000-0000-4000-8000-00000000000b', true, 'VOLUME')$$,
    'uom_list(B) by a category code that only A has is empty'
);
SELECT is(
    array(SELECT c.code FROM erp.uom_category_list('b0000000-0000-4000-8000-00000000000b') AS c),
    ARRAY['WEIGHT'],
    'uom_category_list(B) shows only B''s categories'
);
SELECT is_empty(
    $$SELECT * FROM erp.uom_category_list('e0000000-0000-4000-8000-00000000000e')$$,
    'uom_category_list of an unknown tenant is empty'
);

-- ===== partners =============================================================================
SELECT throws_ok(
    $$SELECT erp.partner_get('b0000000-0000-4000-8000-00000000000b', pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'JANE'))$$,
    'ZE001', NULL, 'partner_get: A''s partner in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'JANE'), '{"name": "stolen"}')$$,
    'ZE001', 'partner_update: A''s partner in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_archive('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'JANE'))$$,
    'ZE001', 'partner_archive: A''s partner in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_restore('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'JANE'))$$,
    'ZE001', 'partner_restore: A''s partner in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'SPY', 'Spy', 'person',
        pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'ACME'))$$,
    'ZE001', 'partner_create: A''s company as parent in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.partner_update('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.p('b0000000-0000-4000-8000-00000000000b', 'BOB'),
        jsonb_build_object('parent_id', pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'ACME')))$$,
    'ZE001', 'partner_update: A''s company as parent in B');
SELECT is_empty(
    format($$SELECT * FROM erp.partner_list('b0000000-0000-4000-8000-00000000000b', true, p_parent_id => %L)$$,
        pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'ACME')),
    'partner_list(B) by A''s company is empty'
);
SELECT is(
    array(SELECT p.code FROM erp.partner_list('b0000000-0000-4000-8000-00000000000b', true) AS p),
    ARRAY['ACME', 'BOB', 'SOLOCO'],
    'partner_list(B) shows only B''s partners'
);

-- ===== products =============================================================================
SELECT throws_ok(
    $$SELECT erp.product_get('b0000000-0000-4000-8000-00000000000b', pg_temp.pr('a0000000-0000-4000-8000-00000000000a', 'W-1'))$$,
    'ZE001', NULL, 'product_get: A''s product in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.pr('a0000000-0000-4000-8000-00000000000a', 'W-1'), '{"name": "stolen"}')$$,
    'ZE001', 'product_update: A''s product in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_archive('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.pr('a0000000-0000-4000-8000-00000000000a', 'W-1'))$$,
    'ZE001', 'product_archive: A''s product in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_restore('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.pr('a0000000-0000-4000-8000-00000000000a', 'W-1'))$$,
    'ZE001', 'product_restore: A''s product in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'SPY', 'Spy',
        pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'KG'))$$,
    'ZE001', 'product_create: A''s unit in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't', 'SPY', 'Spy',
        pg_temp.u('b0000000-0000-4000-8000-00000000000b', 'KG'), p_purchase_uom_id => pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'G'))$$,
    'ZE001', 'product_create: A''s purchase unit in B');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.product_update('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.pr('b0000000-0000-4000-8000-00000000000b', 'W-1'),
        jsonb_build_object('uom_id', pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'KG')))$$,
    'ZE001', 'product_update: A''s unit in B');
SELECT is_empty(
    format($$SELECT * FROM erp.product_list('b0000000-0000-4000-8000-00000000000b', true, %L)$$,
        pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'KG')),
    'product_list(B) by A''s unit is empty'
);
SELECT is(
    array(SELECT p.name FROM erp.product_list('b0000000-0000-4000-8000-00000000000b', true) AS p),
    ARRAY['Widget B'],
    'product_list(B) shows only B''s products'
);

-- ===== A is untouched; in-use checks are per tenant ========================================
SELECT is(pg_temp.tenant_state('a0000000-0000-4000-8000-00000000000a'), (SELECT a_state.s FROM a_state),
    'tenant A''s rows and events are exactly as before B''s attempts');
SELECT is(
    (erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.u('a0000000-0000-4000-8000-00000000000a', 'G'))).active,
    false,
    'A''s unit G is free although B has an active product in its own G'
);
SELECT is(
    (erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.p('a0000000-0000-4000-8000-00000000000a', 'SOLOCO'))).active,
    false,
    'A''s company SOLOCO has no contacts although B''s SOLOCO has one'
);
SELECT throws_ok(
    $$SELECT erp.uom_archive('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 't',
        pg_temp.u('b0000000-0000-4000-8000-00000000000b', 'KG'))$$,
    'ZE005', NULL, 'B''s reference unit KG is still the base of B''s G (A''s archived G does not count)');
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$, 'audit_verify(A) is clean');
SELECT is_empty($$SELECT * FROM erp.audit_verify('b0000000-0000-4000-8000-00000000000b')$$, 'audit_verify(B) is clean');

SELECT * FROM finish();
ROLLBACK;
