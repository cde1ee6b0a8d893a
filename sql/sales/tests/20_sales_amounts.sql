-- The amount rules alone (erp._sales_amounts, the one function every order path uses), on plain
-- values: half away from zero at the currency's minor unit, price-included taxes out of the
-- gross first, per_line against global, amount_total = amount_untaxed + amount_tax. The Odoo
-- cases restate expectations of Odoo's account/tests/test_tax.py (compute_all with
-- round_per_line / round_globally); the others follow DESIGN "Amounts" by hand.
BEGIN;
SELECT plan(22);

-- one line: quantity, price, discount, taxes as [rate, price_include] pairs
CREATE FUNCTION pg_temp.l(p_qty numeric, p_price numeric, p_discount numeric, VARIADIC p_taxes text[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT jsonb_build_object('quantity', p_qty, 'price_unit', p_price, 'discount', p_discount,
        'taxes', coalesce((SELECT jsonb_agg(jsonb_build_object('id', split_part(t, ':', 1),
            'rate', split_part(t, ':', 2)::numeric, 'price_include', split_part(t, ':', 3) = 'incl'))
            FROM unnest(p_taxes) AS t), '[]'))
$fn$;
-- the totals only
CREATE FUNCTION pg_temp.totals(p_lines jsonb, p_digits integer, p_rounding text) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT erp._sales_amounts(p_lines, p_digits, p_rounding) - 'lines'
$fn$;

-- ===== the DESIGN case: 100 with two 10 % included taxes ===================================
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 100, 0, 'a:10:incl', 'b:10:incl')), 2, 'per_line'),
    '{"lines": [{"price_subtotal": 83.34, "price_tax": 16.66, "price_total": 100.00}],
      "amount_untaxed": 83.34, "amount_tax": 16.66, "amount_total": 100.00}'::jsonb,
    '100 with two 10 % included taxes: 83.34 + 8.33 + 8.33 = 100.00'
);
SELECT is(
    pg_temp.totals(jsonb_build_array(pg_temp.l(1, 100, 0, 'a:10:incl', 'b:10:incl')), 2, 'global'),
    '{"amount_untaxed": 83.34, "amount_tax": 16.66, "amount_total": 100.00}'::jsonb,
    'the same under global: each tax 8.33 rounded from 8.333...'
);

-- ===== Odoo account/tests/test_tax.py, restated ==========================================
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 100, 0, 'a:10:excl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 100.00, "price_tax": 10.00, "price_total": 110.00}'::jsonb,
    'Odoo: 10 % excluded on 100 -> 100 + 10 = 110'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 110, 0, 'a:10:incl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 100.00, "price_tax": 10.00, "price_total": 110.00}'::jsonb,
    'Odoo: 10 % included in 110 -> 100 + 10'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 54.99, 0, 'a:10:incl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 49.99, "price_tax": 5.00, "price_total": 54.99}'::jsonb,
    'Odoo round per line, tax included: 54.99 with 10 % -> 49.99 + 5.00'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 12.09, 0, 'a:21:incl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 9.99, "price_tax": 2.10, "price_total": 12.09}'::jsonb,
    'Odoo round per line, tax included: 12.09 with 21 % -> 9.99 + 2.10'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 9.99, 0, 'a:21:excl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 9.99, "price_tax": 2.10, "price_total": 12.09}'::jsonb,
    'Odoo round per line, tax excluded: 9.99 with 21 % -> 2.10 of tax'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 100, 0, 'a:10:excl', 'b:10:excl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 100.00, "price_tax": 20.00, "price_total": 120.00}'::jsonb,
    'Odoo: two 10 % excluded taxes on 100, no tax on tax -> 120'
);

-- ===== mixed included and excluded taxes on one line =======================================
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 110, 0, 'a:10:incl', 'b:7:excl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 100.00, "price_tax": 17.00, "price_total": 117.00}'::jsonb,
    'both kinds: the included tax comes out first, the excluded applies to the net'
);

-- ===== per_line against global ==============================================================
SELECT is(
    pg_temp.totals(jsonb_build_array(pg_temp.l(1, 1.17, 0, 'g:7:excl'), pg_temp.l(1, 1.17, 0, 'g:7:excl'),
        pg_temp.l(1, 1.17, 0, 'g:7:excl')), 2, 'per_line'),
    '{"amount_untaxed": 3.51, "amount_tax": 0.24, "amount_total": 3.75}'::jsonb,
    'per_line: three 0.0819 taxes round to 0.08 each'
);
SELECT is(
    pg_temp.totals(jsonb_build_array(pg_temp.l(1, 1.17, 0, 'g:7:excl'), pg_temp.l(1, 1.17, 0, 'g:7:excl'),
        pg_temp.l(1, 1.17, 0, 'g:7:excl')), 2, 'global'),
    '{"amount_untaxed": 3.51, "amount_tax": 0.25, "amount_total": 3.76}'::jsonb,
    'global: the tax is the rounded sum 0.2457 -> 0.25'
);
SELECT is(
    (SELECT jsonb_agg(x -> 'price_tax') FROM jsonb_array_elements(erp._sales_amounts(jsonb_build_array(
        pg_temp.l(1, 1.17, 0, 'g:7:excl'), pg_temp.l(1, 1.17, 0, 'g:7:excl')), 2, 'global') -> 'lines') AS x),
    '[0.08, 0.08]'::jsonb,
    'global: line amounts are shown rounded'
);
SELECT is(
    pg_temp.totals(jsonb_build_array(pg_temp.l(1, 14.35, 0, 'v:10:incl'), pg_temp.l(1, 14.35, 0, 'v:10:incl'),
        pg_temp.l(1, 14.35, 0, 'v:10:incl')), 2, 'global'),
    '{"amount_untaxed": 39.15, "amount_tax": 3.91, "amount_total": 43.06}'::jsonb,
    'global with included taxes: untaxed = sum of rounded subtotals, tax rounded globally; '
    'the total 43.06 is a cent off the prices shown (3 x 14.35 = 43.05)'
);
SELECT is(
    pg_temp.totals(jsonb_build_array(pg_temp.l(1, 14.35, 0, 'v:10:incl'), pg_temp.l(1, 14.35, 0, 'v:10:incl'),
        pg_temp.l(1, 14.35, 0, 'v:10:incl')), 2, 'per_line'),
    '{"amount_untaxed": 39.15, "amount_tax": 3.90, "amount_total": 43.05}'::jsonb,
    'per_line keeps the shown prices: 43.05'
);

-- ===== minor units: JPY 0, KWD 3; half away from zero; discounts ===========================
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(3, 333, 0, 'c:8:excl')), 0, 'per_line'),
    '{"lines": [{"price_subtotal": 999, "price_tax": 80, "price_total": 1079}],
      "amount_untaxed": 999, "amount_tax": 80, "amount_total": 1079}'::jsonb,
    'JPY (0 decimals): 8 % of 999 = 79.92 -> 80'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 1.2345, 0, 'k:5:excl')), 3, 'per_line'),
    '{"lines": [{"price_subtotal": 1.235, "price_tax": 0.062, "price_total": 1.297}],
      "amount_untaxed": 1.235, "amount_tax": 0.062, "amount_total": 1.297}'::jsonb,
    'KWD (3 decimals): 1.2345 -> 1.235 (half away from zero), 5 % = 0.061725 -> 0.062'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 0.125, 0)), 2, 'per_line') -> 'lines' -> 0 -> 'price_total',
    '0.13'::jsonb,
    'half away from zero: 0.125 -> 0.13 (not banker''s 0.12)'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(3, 19.99, 15, 'a:10:excl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 50.97, "price_tax": 5.10, "price_total": 56.07}'::jsonb,
    'discount: 3 x 19.99 x 0.85 = 50.9745 -> 50.97; 10 % -> 5.10'
);
SELECT is(
    erp._sales_amounts(jsonb_build_array(pg_temp.l(1, 80, 100, 'a:10:excl')), 2, 'per_line') -> 'lines' -> 0,
    '{"price_subtotal": 0.00, "price_tax": 0.00, "price_total": 0.00}'::jsonb,
    'a 100 % discount leaves nothing to tax'
);
SELECT is(
    erp._sales_amounts('[]', 2, 'global'),
    '{"lines": [], "amount_untaxed": 0, "amount_tax": 0, "amount_total": 0}'::jsonb,
    'no lines: zero amounts'
);

-- ===== the invariants over many generated lines ============================================
SELECT is_empty(
    $$SELECT g.seed, r FROM generate_series(1, 200) AS g (seed)
    CROSS JOIN LATERAL (SELECT erp._sales_amounts((
        SELECT jsonb_agg(pg_temp.l((1 + (g.seed * n) % 7)::numeric, ((g.seed * 37 + n * 101) % 10000) / 100.0,
            ((g.seed + n) % 4) * 5, 'a:' || (g.seed % 3) * 10 || ':incl', 'b:' || (n % 3) * 3.5 || ':excl'))
        FROM generate_series(1, 1 + g.seed % 5) AS n), 2, CASE WHEN g.seed % 2 = 0 THEN 'global' ELSE 'per_line' END)) AS a (r)
    WHERE (r ->> 'amount_total')::numeric <> (r ->> 'amount_untaxed')::numeric + (r ->> 'amount_tax')::numeric
        OR EXISTS (SELECT 1 FROM jsonb_array_elements(r -> 'lines') AS x
            WHERE (x ->> 'price_total')::numeric <> (x ->> 'price_subtotal')::numeric + (x ->> 'price_tax')::numeric)$$,
    'amount_total = amount_untaxed + amount_tax, and each line''s total = subtotal + tax, on 200 generated orders'
);
SELECT is_empty(
    $$SELECT g.seed FROM generate_series(1, 200) AS g (seed)
    CROSS JOIN LATERAL (SELECT erp._sales_amounts((
        SELECT jsonb_agg(pg_temp.l((1 + (g.seed * n) % 7)::numeric, ((g.seed * 37 + n * 101) % 10000) / 100.0,
            0, 'a:' || (g.seed % 3) * 10 || ':incl', 'b:7:excl'))
        FROM generate_series(1, 1 + g.seed % 5) AS n), 2, 'per_line')) AS a (r)
    WHERE (r ->> 'amount_total')::numeric
        <> (SELECT sum((x ->> 'price_total')::numeric) FROM jsonb_array_elements(r -> 'lines') AS x)$$,
    'per_line: the lines'' totals sum to the order''s total'
);

SELECT * FROM finish();
ROLLBACK;
