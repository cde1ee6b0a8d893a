-- The order's lines with their stored amounts computed (erp._sales_amounts on the lines' current
-- taxes, in the order's currency and rounding method), and the order with its totals set. Used
-- by every path that changes an order or its lines; it writes nothing.
CREATE OR REPLACE FUNCTION erp._sales_lines_priced(
    p_tenant_id uuid,
    p_order erp.sales_orders,
    p_lines erp.sales_order_lines[],
    OUT o_order erp.sales_orders,
    OUT o_lines erp.sales_order_lines[]
)
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_amounts jsonb;
    v_line erp.sales_order_lines;
BEGIN
    -- the order (a composite OUT) comes back beside its lines on purpose: one pricing pass
    -- @plpgsql_check_options: extra_warnings = false
    SELECT erp._sales_amounts(coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'quantity', (p_lines[i]).quantity, 'price_unit', (p_lines[i]).price_unit,
            'discount', (p_lines[i]).discount,
            'taxes', coalesce((
                SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'id', t.id, 'rate', t.rate, 'price_include', t.price_include))
                FROM erp.sales_taxes AS t
                WHERE t.tenant_id = p_tenant_id AND t.id = ANY ((p_lines[i]).tax_ids)
            ), '[]')) ORDER BY i), '[]'),
        erp._sales_currency_digits(p_order.currency), p_order.tax_rounding)
    INTO v_amounts
    FROM pg_catalog.generate_subscripts(p_lines, 1) AS i;
    o_order := p_order;
    o_order.amount_untaxed := (v_amounts ->> 'amount_untaxed')::numeric;
    o_order.amount_tax := (v_amounts ->> 'amount_tax')::numeric;
    o_order.amount_total := (v_amounts ->> 'amount_total')::numeric;
    o_lines := p_lines;
    FOR i IN 1 .. coalesce(pg_catalog.cardinality(p_lines), 0) LOOP
        v_line := p_lines[i];
        v_line.price_subtotal := (v_amounts -> 'lines' -> (i - 1) ->> 'price_subtotal')::numeric;
        v_line.price_tax := (v_amounts -> 'lines' -> (i - 1) ->> 'price_tax')::numeric;
        v_line.price_total := (v_amounts -> 'lines' -> (i - 1) ->> 'price_total')::numeric;
        o_lines[i] := v_line;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp._sales_lines_priced(uuid, erp.sales_orders, erp.sales_order_lines[]) IS
    'The order with its totals and the lines with their amounts computed (writes nothing).';
