-- Units of measure, part 1: erp.uom_category_create / _list, erp.uom_create / _get / _list /
-- _update. The one-reference-unit rule, code keys (trim + NFKC + case folding), factor and
-- rounding validation, patches, audit events. Every refusal: SQLSTATE, then "nothing written"
-- (no row, no audit event). Part 2 (archive, restore, convert, privileges): 21_uom_lifecycle.sql;
-- tenant isolation of all master-data functions: 24_master_data_tenancy.sql.
BEGIN;
\ir include/core_helpers.sql
SELECT plan(110);

\ir include/master_data.sql

-- ===== categories =========================================================================
SELECT is(
    (SELECT to_jsonb(c) - 'id' - 'created_at' - 'updated_at'
    FROM erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a',
        ' Weight ', 'Weight') AS c),
    '{"tenant_id": "a0000000-0000-4000-8000-00000000000a", "code": "Weight", "code_key": "weight",
      "name": "Weight", "active": true, "version": 1}'::jsonb,
    'uom_category_create returns the row: code trimmed, code_key folded, version 1'
);
SELECT is(
    (SELECT e.event_type || ' v' || e.entity_version FROM erp.erp_audit_events AS e
    INNER JOIN erp.erp_uom_categories AS c ON e.entity_id = c.id WHERE c.code = 'Weight'),
    'erp.base.uom_category.created v1',
    'a category has its created event'
);
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'VOLUME', 'Volume');
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'LENGTH', 'Length');
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'UNIT', 'Units');

SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'WEIGHT', 'x')$$,
    'ZE002', 'category code WEIGHT collides with Weight');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'ＷＥＩＧＨＴ', 'x')$$,
    'ZE002', 'category code in full-width letters collides (NFKC)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', E' \t ', 'x')$$,
    'ZE003', 'whitespace-only category code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', NULL, 'x')$$,
    'ZE003', 'NULL category code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'AREA', ' ')$$,
    'ZE003', 'empty category name');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'USER', 't', 'AREA', 'Area')$$,
    'ZE008', 'category: USER actor without user id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_category_create('e0000000-0000-4000-8000-00000000000e', NULL, 'SYSTEM', 't', 'AREA', 'Area')$$,
    'ZE006', 'category: unknown tenant');
SELECT is(
    array(SELECT c.code FROM erp.uom_category_list('a0000000-0000-4000-8000-00000000000a') AS c),
    ARRAY['LENGTH', 'UNIT', 'VOLUME', 'Weight'],
    'uom_category_list: ordered by code key'
);

-- ===== uom_create ===========================================================================
SELECT is(
    (SELECT to_jsonb(u) - 'id' - 'created_at' - 'updated_at' - 'category_id'
    FROM erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a',
        ' KG ', ' Kilogram ', 'weight') AS u),
    '{"tenant_id": "a0000000-0000-4000-8000-00000000000a", "code": "KG", "code_key": "kg",
      "name": "Kilogram", "uom_type": "reference", "factor": 1, "rounding": 0.01,
      "active": true, "version": 1}'::jsonb,
    'uom_create: defaults reference / factor 1 / rounding 0.01, code and name trimmed'
);
SELECT is(
    (SELECT c.code FROM erp.erp_uoms AS u INNER JOIN erp.erp_uom_categories AS c ON u.category_id = c.id
    WHERE u.id = pg_temp.u('KG')),
    'Weight',
    'the category is found by its code key (weight = Weight)'
);
SELECT is(
    (SELECT jsonb_build_object('type', e.event_type, 'v', e.entity_version, 'trace', e.trace_id,
        'payload_is_row', e.payload = pg_temp.snap(to_jsonb(u)))
    FROM erp.erp_audit_events AS e INNER JOIN erp.erp_uoms AS u ON e.entity_id = u.id
    WHERE u.id = pg_temp.u('KG')),
    '{"type": "erp.base.uom.created", "v": 1, "trace": "trace-a", "payload_is_row": true}'::jsonb,
    'the created event carries the row'
);
SELECT is(
    (SELECT (u.uom_type, u.factor, u.rounding)::text
    FROM erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a',
        'G', 'Gram', 'WEIGHT', 'smaller', 1000, 1) AS u),
    '(smaller,1000,1)',
    'a smaller unit: 1000 g in one kg, rounding 1'
);
SELECT is(
    (SELECT (u.uom_type, u.factor, u.rounding)::text
    FROM erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a',
        'T', 'Tonne', 'WEIGHT', 'bigger', 1000, 0.001) AS u),
    '(bigger,1000,0.001)',
    'a bigger unit: 1000 kg in one t'
);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'PC', 'Piece', 'UNIT', p_rounding => 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'DZ', 'Dozen', 'UNIT', 'bigger', 12, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'M', 'Metre', 'LENGTH');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'CM', 'Centimetre', 'LENGTH', 'smaller', 100, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'L', 'Litre', 'VOLUME');

-- code keys
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'kg', 'x', 'WEIGHT', 'bigger', 2)$$,
    'ZE002', 'code kg collides with KG (case)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', E' kg\t', 'x', 'WEIGHT', 'bigger', 2)$$,
    'ZE002', 'code " kg" collides with KG (trim)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'ＫＧ', 'x', 'WEIGHT', 'bigger', 2)$$,
    'ZE002', 'code ＫＧ collides with KG (NFKC)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', '', 'x', 'WEIGHT', 'bigger', 2)$$,
    'ZE003', 'empty code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', E' \u3000 ', 'x', 'WEIGHT', 'bigger', 2)$$,
    'ZE003', 'whitespace-only code (ideographic space)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', NULL, 'WEIGHT', 'bigger', 2)$$,
    'ZE003', 'NULL name');
-- category and the reference rule
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'MASS', 'bigger', 2)$$,
    'ZE001', 'unknown category code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', NULL, 'bigger', 2)$$,
    'ZE001', 'NULL category');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT')$$,
    'ZE009', 'a second reference unit in a category');
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'TIME', 'Time');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'H', 'Hour', 'TIME', 'bigger', 60)$$,
    'ZE009', 'a bigger unit in a category without a reference unit');
-- type, factor, rounding
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'huge', 2)$$,
    'ZE003', 'unknown unit type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', 0)$$,
    'ZE003', 'factor 0');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', -2)$$,
    'ZE003', 'negative factor');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', 'NaN')$$,
    'ZE003', 'factor NaN');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', 'Infinity')$$,
    'ZE003', 'factor Infinity');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', NULL)$$,
    'ZE003', 'factor NULL');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', 2, 0)$$,
    'ZE003', 'rounding 0');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', 2, -0.01)$$,
    'ZE003', 'negative rounding');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', 2, 'NaN')$$,
    'ZE003', 'rounding NaN');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'LB', 'Pound', 'WEIGHT', 'bigger', 2, '-Infinity')$$,
    'ZE003', 'rounding -Infinity');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'SEC', 'Second', 'TIME', 'reference', 2)$$,
    'ZE003', 'a reference unit with factor 2');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'ROBOT', 't', 'SEC', 'Second', 'TIME')$$,
    'ZE008', 'uom_create: unknown actor type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_create('e0000000-0000-4000-8000-00000000000e', NULL, 'SYSTEM', 't', 'SEC', 'Second', 'TIME')$$,
    'ZE006', 'uom_create: unknown tenant');

-- ===== uom_get / uom_list ===================================================================
SELECT is((erp.uom_get('a0000000-0000-4000-8000-00000000000a', pg_temp.u('G'))).code, 'G', 'uom_get');
SELECT throws_ok(
    $$SELECT erp.uom_get('a0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-0000000000ff')$$,
    'ZE001', NULL, 'uom_get: unknown id');
SELECT is(
    array(SELECT u.code FROM erp.uom_list('a0000000-0000-4000-8000-00000000000a') AS u),
    ARRAY['CM', 'DZ', 'G', 'KG', 'L', 'M', 'PC', 'T'],
    'uom_list: active units ordered by code key'
);
SELECT is(
    array(SELECT u.code FROM erp.uom_list('a0000000-0000-4000-8000-00000000000a', p_category => ' weight') AS u),
    ARRAY['G', 'KG', 'T'],
    'uom_list: filtered by category code key'
);
SELECT is_empty(
    $$SELECT * FROM erp.uom_list('a0000000-0000-4000-8000-00000000000a', p_category => 'MASS')$$,
    'uom_list: unknown category gives an empty list'
);

-- ===== uom_update ===========================================================================
SELECT is(
    (SELECT (u.name, u.version)::text FROM erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
        'trace-u', pg_temp.u('G'), '{"name": " gramme "}') AS u),
    '(gramme,2)',
    'uom_update: name trimmed, version 2'
);
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e
    WHERE e.entity_id = pg_temp.u('G') AND e.entity_version = 2),
    '{"name": {"old": "Gram", "new": "gramme"}}'::jsonb,
    'the updated event records the change'
);
SELECT is(
    (SELECT u.version FROM erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        pg_temp.u('G'), '{"name": "gramme", "code": " G", "factor": 1000.000}') AS u),
    2::bigint,
    'a patch that changes nothing keeps version 2'
);
SELECT is(pg_temp.events('a0000000-0000-4000-8000-00000000000a', pg_temp.u('G')), 2::bigint,
    'a patch that changes nothing writes no event');
SELECT is(
    (SELECT (u.uom_type, u.factor, u.rounding, u.version)::text FROM erp.uom_update(
        'a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('T'),
        '{"factor": "1000.5", "rounding": 0.01}', 1) AS u),
    '(bigger,1000.5,0.01,2)',
    'factor (JSON string or number) and rounding change with the expected version'
);
SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('T'), '{"factor": 1000, "rounding": 0.001}');
SELECT is(
    (SELECT (u.uom_type, u.factor)::text FROM erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
        't', pg_temp.u('CM'), '{"uom_type": "bigger", "factor": 0.01}') AS u),
    '(bigger,0.01)',
    'a unit may switch between bigger and smaller'
);
SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('CM'), '{"uom_type": "smaller", "factor": 100}');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('T'), '{"name": "x"}', 1)$$,
    'ZE004', 'uom_update: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', 'f0000000-0000-4000-8000-0000000000ff', '{"name": "x"}')$$,
    'ZE001', 'uom_update: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"colour": "red"}')$$,
    'ZE003', 'uom_update: unknown key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'),
        jsonb_build_object('category_id', (SELECT c.id FROM erp.erp_uom_categories AS c WHERE c.code = 'LENGTH')))$$,
    'ZE003', 'uom_update: category_id is read-only');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"active": false}')$$,
    'ZE003', 'uom_update: active changes only through archive/restore');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"code_key": "x"}')$$,
    'ZE003', 'uom_update: generated code_key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '["name"]')$$,
    'ZE003', 'uom_update: patch is not an object');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"factor": "lots"}')$$,
    'ZE003', 'uom_update: factor of the wrong type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"factor": "NaN"}')$$,
    'ZE003', 'uom_update: factor NaN');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"rounding": 0}')$$,
    'ZE003', 'uom_update: rounding 0');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"code": " "}')$$,
    'ZE003', 'uom_update: blank code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"code": "Ｔ"}')$$,
    'ZE002', 'uom_update: code collides with T');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('KG'), '{"uom_type": "bigger"}')$$,
    'ZE009', 'uom_update: the active reference unit stays reference');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('G'), '{"uom_type": "reference", "factor": 1}')$$,
    'ZE009', 'uom_update: a second reference unit');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', pg_temp.u('KG'), '{"factor": 2}')$$,
    'ZE003', 'uom_update: a reference unit keeps factor 1');

SELECT is_empty(
    $$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify finds nothing wrong after all of the above'
);

SELECT * FROM finish();
ROLLBACK;
