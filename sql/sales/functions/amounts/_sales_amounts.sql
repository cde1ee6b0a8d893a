-- The amount rules of a sales order (DESIGN "Amounts"), on plain values so that they can be
-- tested alone. p_lines: [{"quantity", "price_unit", "discount", "taxes": [{"id", "rate",
-- "price_include"}]}]; p_digits: the currency's minor unit; p_rounding: per_line | global.
-- Returns {"lines": [{"price_subtotal", "price_tax", "price_total"}] (input order),
-- "amount_untaxed", "amount_tax", "amount_total"}. Rounding is half away from zero (numeric
-- round, as Odoo's float_round). Price-included taxes come out of the gross first; every tax
-- applies to that net; no tax on tax. A line's subtotal is its rounded gross minus its rounded
-- included taxes, its total the subtotal plus all its rounded taxes. per_line: the order sums
-- the lines; global: the order's tax is, per tax, the rounded sum of the unrounded line amounts.
CREATE OR REPLACE FUNCTION erp._sales_amounts(p_lines jsonb, p_digits integer, p_rounding text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    -- PL/pgSQL keeps the query's plan for the session (an SQL function with FROM is not
    -- inlined, so it would be planned again at every call)
    RETURN (WITH line AS (
        SELECT x.n, x.v -> 'taxes' AS taxes,
            -- scale 20 before dividing: the net keeps enough decimals for any minor unit
            (x.v ->> 'quantity')::numeric * (x.v ->> 'price_unit')::numeric
            * (1 - coalesce((x.v ->> 'discount')::numeric, 0) / 100) * 1.00000000000000000000 AS gross
        FROM pg_catalog.jsonb_array_elements(p_lines) WITH ORDINALITY AS x (v, n)
    ), net AS (
        SELECT line.n, line.gross, line.taxes,
            line.gross / (1 + coalesce((
                SELECT sum(t.rate) FROM pg_catalog.jsonb_to_recordset(line.taxes) AS t (rate numeric, price_include boolean)
                WHERE t.price_include
            ), 0) / 100) AS net
        FROM line
    ), tax AS (
        SELECT net.n, t.id, t.price_include, net.net * t.rate / 100 AS amount
        FROM net CROSS JOIN LATERAL pg_catalog.jsonb_to_recordset(net.taxes) AS t (id text, rate numeric, price_include boolean)
    ), priced AS (
        SELECT net.n,
            round(net.gross, p_digits) - coalesce((
                SELECT sum(round(tax.amount, p_digits)) FROM tax WHERE tax.n = net.n AND tax.price_include
            ), 0) AS subtotal,
            coalesce((SELECT sum(round(tax.amount, p_digits)) FROM tax WHERE tax.n = net.n), 0) AS tax
        FROM net
    ), total AS (
        SELECT coalesce(sum(priced.subtotal), 0) AS untaxed,
            CASE p_rounding
                WHEN 'per_line' THEN coalesce(sum(priced.tax), 0)
                ELSE coalesce((
                    SELECT sum(g.amount) FROM (
                        SELECT round(sum(tax.amount), p_digits) AS amount FROM tax GROUP BY tax.id
                    ) AS g
                ), 0)
            END AS tax
        FROM priced
    )
    SELECT pg_catalog.jsonb_build_object(
        'lines', coalesce((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'price_subtotal', priced.subtotal, 'price_tax', priced.tax,
                'price_total', priced.subtotal + priced.tax) ORDER BY priced.n)
            FROM priced
        ), '[]'),
        'amount_untaxed', round(total.untaxed, p_digits),
        'amount_tax', round(total.tax, p_digits),
        'amount_total', round(total.untaxed, p_digits) + round(total.tax, p_digits))
    FROM total);
END
$fn$;
COMMENT ON FUNCTION erp._sales_amounts(jsonb, integer, text) IS
    'The amounts of a sales order''s lines and totals (half away from zero at p_digits; '
    'per_line or global tax rounding).';
