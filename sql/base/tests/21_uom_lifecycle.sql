-- Units of measure, part 2: erp.uom_archive / _restore (in-use refusals, the reference rule on
-- archive and restore, no-op archive/restore), erp.uom_convert (HALF-UP / UP / DOWN, negative
-- quantities, chains through the reference unit, refusals) and privileges. Every refusal of a
-- write: SQLSTATE, then "nothing written" (no row, no audit event).
BEGIN;
\ir include/core_helpers.sql
SELECT plan(65);

\ir include/master_data.sql

SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', c.code, c.code)
FROM (VALUES ('WEIGHT'), ('UNIT'), ('LENGTH')) AS c (code);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'KG', 'Kilogram', 'WEIGHT');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'G', 'Gram', 'WEIGHT', 'smaller', 1000, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'T', 'Tonne', 'WEIGHT', 'bigger', 1000, 0.001);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'PC', 'Piece', 'UNIT', p_rounding => 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'DZ', 'Dozen', 'UNIT', 'bigger', 12, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'M', 'Metre', 'LENGTH');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'CM', 'Centimetre', 'LENGTH', 'smaller', 100, 1);

-- ===== archive / restore ====================================================================
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'EGG', 'Eggs', pg_temp.u('PC'),
    p_purchase_uom_id => pg_temp.u('DZ'));
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('DZ'))$$,
    'ZE005', 'uom_archive: the purchase unit of an active product');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('PC'))$$,
    'ZE005', 'uom_archive: the unit of an active product (and the reference of DZ)');
SELECT throws_like(
    $$SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('DZ'))$$,
    '%still used by 1 active product(s): EGG%',
    'the in-use message names the product'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('KG'))$$,
    'ZE005', 'uom_archive: a reference unit with active units in its category');
SELECT throws_like(
    $$SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('KG'))$$,
    '%still the base of 2 active unit(s): G, T%',
    'the message names the units that depend on the reference unit'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'uom_archive: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('CM'), 99)$$,
    'ZE004', 'uom_archive: stale expected version');

SELECT is(
    (SELECT (u.active, u.version)::text FROM erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
        'trace-arch', pg_temp.u('CM'), 1) AS u),
    '(f,2)',
    'uom_archive: active false, version + 1'
);
SELECT is(
    (SELECT jsonb_build_object('type', e.event_type, 'changes', e.changes, 'trace', e.trace_id)
    FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.u('CM') AND e.entity_version = 2),
    '{"type": "erp.base.uom.archived", "changes": {"active": {"old": true, "new": false}}, "trace": "trace-arch"}'::jsonb,
    'the archived event'
);
SELECT is(
    (SELECT u.version FROM erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('CM')) AS u),
    2::bigint,
    'archiving an archived unit returns it unchanged'
);
SELECT is(pg_temp.events('a0000000-0000-4000-8000-00000000000a', pg_temp.u('CM')), 2::bigint,
    '... and writes no event');
SELECT is(
    array(SELECT u.code FROM erp.uom_list('a0000000-0000-4000-8000-00000000000a', p_category => 'LENGTH') AS u),
    ARRAY['M'],
    'uom_list hides archived units'
);
SELECT is(
    array(SELECT u.code || ':' || u.active FROM erp.uom_list('a0000000-0000-4000-8000-00000000000a', true, 'LENGTH') AS u),
    ARRAY['CM:false', 'M:true'],
    'uom_list with p_include_archived shows them'
);
SELECT is(
    (erp.uom_get('a0000000-0000-4000-8000-00000000000a', pg_temp.u('CM'))).active, false,
    'uom_get returns archived units'
);
-- a JSON object for a text field is refused, not stored as its text
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('M'),
        '{"name": {"a": 1}}')$$,
    'ZE003', 'uom_update: a JSON object as the name');
-- the reference unit of LENGTH can go once CM is archived; then CM cannot come back
SELECT is(
    (erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('M'))).active, false,
    'a reference unit without active units in its category can be archived'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('CM'))$$,
    'ZE009', 'uom_restore: a smaller unit while its category has no active reference unit');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'MM', 'Millimetre', 'LENGTH');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('M'))$$,
    'ZE009', 'uom_restore: a reference unit while another one is active');
SELECT is(
    (SELECT (u.uom_type, u.factor, u.active)::text FROM erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 't', pg_temp.u('M'), '{"uom_type": "bigger", "factor": 1000}') AS u),
    '(bigger,1000,f)',
    'an archived unit may be re-typed (it counts for nothing while archived)'
);
SELECT is(
    (SELECT (u.active, u.version)::text FROM erp.uom_restore('a0000000-0000-4000-8000-00000000000a', NULL,
        'SYSTEM', 'trace-rest', pg_temp.u('M')) AS u),
    '(t,4)',
    'uom_restore: active again, version + 1'
);
SELECT is(
    (SELECT e.event_type FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.u('M') AND e.entity_version = 4),
    'erp.base.uom.restored',
    'the restored event'
);
SELECT is(
    (SELECT u.version FROM erp.uom_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('M')) AS u),
    4::bigint,
    'restoring an active unit returns it unchanged'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', 'uom_restore: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('CM'), 1)$$,
    'ZE004', 'uom_restore: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_restore('a0000000-0000-4000-8000-00000000000a', NULL, 'USER', 't', pg_temp.u('CM'))$$,
    'ZE008', 'uom_restore: USER without user id');
-- a unit used only by archived products can be archived
SELECT erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    (SELECT p.id FROM erp.erp_products AS p WHERE p.sku = 'EGG'));
SELECT is(
    (erp.uom_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('DZ'))).active, false,
    'a unit used only by archived products can be archived'
);

-- ===== uom_convert ==========================================================================
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1234, pg_temp.u('G'), pg_temp.u('KG')), 1.23::numeric,
    'g -> kg, HALF-UP to 0.01');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1235, pg_temp.u('G'), pg_temp.u('KG')), 1.24::numeric,
    'HALF-UP: a half goes up');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', -1235, pg_temp.u('G'), pg_temp.u('KG')), -1.24::numeric,
    'HALF-UP: a negative half goes away from zero');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1231, pg_temp.u('G'), pg_temp.u('KG'), 'UP'), 1.24::numeric,
    'UP: the next step');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', -1231, pg_temp.u('G'), pg_temp.u('KG'), 'UP'), -1.24::numeric,
    'UP: away from zero for negative quantities');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1239, pg_temp.u('G'), pg_temp.u('KG'), 'DOWN'), 1.23::numeric,
    'DOWN: the previous step');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', -1239, pg_temp.u('G'), pg_temp.u('KG'), 'DOWN'), -1.23::numeric,
    'DOWN: toward zero for negative quantities');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1240, pg_temp.u('G'), pg_temp.u('KG'), 'UP'), 1.24::numeric,
    'UP: an exact step stays');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1.2345, pg_temp.u('T'), pg_temp.u('G')), 1234500::numeric,
    't -> g goes through the reference unit (bigger -> smaller)');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1500, pg_temp.u('G'), pg_temp.u('T')), 0.002::numeric,
    'g -> t rounded to the tonne''s 0.001 (0.0015 HALF-UP)');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 2.5, pg_temp.u('KG'), pg_temp.u('KG')), 2.5::numeric,
    'a unit to itself');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1, pg_temp.u('PC'), pg_temp.u('DZ'), 'UP'), 1::numeric,
    'one piece needs one (rounded up) dozen; archived units still convert');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 3, pg_temp.u('DZ'), pg_temp.u('PC')), 36::numeric,
    'dozen -> piece');
SELECT is(erp.uom_convert('a0000000-0000-4000-8000-00000000000a', NULL, pg_temp.u('G'), pg_temp.u('KG')), NULL::numeric,
    'NULL quantity gives NULL');
SELECT throws_ok(
    $$SELECT erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1, pg_temp.u('G'), pg_temp.u('PC'))$$,
    'ZE009', NULL, 'uom_convert: across categories');
SELECT throws_ok(
    $$SELECT erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1, pg_temp.u('G'), pg_temp.u('KG'), 'CEILING')$$,
    'ZE003', NULL, 'uom_convert: unknown rounding method');
SELECT throws_ok(
    $$SELECT erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1, pg_temp.u('G'), pg_temp.u('KG'), NULL)$$,
    'ZE003', NULL, 'uom_convert: NULL rounding method');
SELECT throws_ok(
    $$SELECT erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 'NaN', pg_temp.u('G'), pg_temp.u('KG'))$$,
    'ZE003', NULL, 'uom_convert: NaN quantity');
SELECT throws_ok(
    $$SELECT erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 'Infinity', pg_temp.u('G'), pg_temp.u('KG'))$$,
    'ZE003', NULL, 'uom_convert: infinite quantity');
SELECT throws_ok(
    $$SELECT erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1, 'f0000000-0000-4000-8000-0000000000ff', pg_temp.u('KG'))$$,
    'ZE001', NULL, 'uom_convert: unknown source unit');
SELECT throws_ok(
    $$SELECT erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1, pg_temp.u('KG'), NULL)$$,
    'ZE001', NULL, 'uom_convert: NULL target unit');

-- ===== the backstop index and privileges ====================================================
SELECT throws_ok(
    $$INSERT INTO erp.erp_uoms (tenant_id, id, code, name, category_id)
    SELECT u.tenant_id, gen_random_uuid(), 'KG2', 'x', u.category_id FROM erp.erp_uoms AS u WHERE u.id = pg_temp.u('KG')$$,
    '23505', NULL, 'the partial unique index refuses a second active reference unit written behind the functions');
SELECT pg_temp.lives_as('erp_app',
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000001', 'USER', 't',
        'OZ', 'Ounce', 'WEIGHT', 'smaller', 35.274)$$,
    'erp_app may call uom_create');
SELECT pg_temp.throws_as('erp_app',
    $$SELECT count(*) FROM erp.erp_uoms$$, '42501', 'erp_app cannot read the unit table');
SELECT pg_temp.throws_as('erp_app',
    $$SELECT erp._uom_validate(NULL::erp.erp_uoms)$$, '42501', 'erp_app cannot call the internal helpers');
SELECT pg_temp.throws_as('erp_auditor',
    $$SELECT erp.uom_list('a0000000-0000-4000-8000-00000000000a')$$, '42501', 'erp_auditor cannot list units');
SELECT is(
    (SELECT e.actor_user_id FROM erp.erp_audit_events AS e WHERE e.entity_id = pg_temp.u('OZ')),
    'f0000000-0000-4000-8000-000000000001'::uuid,
    'the USER actor is recorded'
);

SELECT is_empty(
    $$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify finds nothing wrong after all of the above'
);

SELECT * FROM finish();
ROLLBACK;
