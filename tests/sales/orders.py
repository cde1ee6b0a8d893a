"""What the sales suites share: a database per test module, a tenant with a customer, a
product and taxes, calls of the sales functions with amounts read as ``Decimal``, and an
independent recomputation of DESIGN.md's "Amounts" rules in Python (``decimal``, half away
from zero), against which every stored amount is checked."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import psycopg
from psycopg.types.json import set_json_loads

from tests.conftest import new_tenant

CTX = (None, "SYSTEM", "sales-test")
CTX_SQL = "%s, NULL, 'SYSTEM', 'sales-test'"  # p_tenant_id is the placeholder
# ISO 4217 minor units of the currencies the suites use (DESIGN: JPY 0, EUR 2, KWD 3)
CURRENCY = {0: "JPY", 2: "EUR", 3: "KWD"}
DECIMALS = {code: dec for dec, code in CURRENCY.items()}
AMOUNTS = ("amount_untaxed", "amount_tax", "amount_total")
LINE_AMOUNTS = ("price_subtotal", "price_tax", "price_total")


def loads(text: str | bytes):
    """JSON with every fraction a Decimal: amounts are exact, never floats."""
    return json.loads(text, parse_float=Decimal)


def dumps(value) -> str:
    """JSON with Decimals written as numbers, exactly as given."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    if isinstance(value, uuid.UUID):
        return json.dumps(str(value))
    return json.dumps(value)


def exact_json(conn: psycopg.Connection) -> psycopg.Connection:
    set_json_loads(loads, conn)
    return conn


def connect(url: str, **kw) -> psycopg.Connection:
    return exact_json(psycopg.connect(url, **kw))


def row_json(conn, sql: str, params) -> dict:
    """A write's result as a dict, whether the function returns a row or jsonb."""
    return conn.execute(f"SELECT to_jsonb(r) FROM {sql} AS r", params).fetchone()[0]


# ---- master data and taxes ---------------------------------------------------------------------
@dataclass
class Shop:
    """A tenant ready to sell: a customer, a product (unit category U, unit PCE) and taxes."""

    tenant: uuid.UUID
    partner: str
    product: str
    uom: str
    taxes: dict[str, dict] = field(default_factory=dict)  # code -> the tax's row


def new_shop(conn, name: str = "Shop", tax_rounding: str | None = None) -> Shop:
    tenant = new_tenant(conn, name)
    conn.execute(f"SELECT erp.uom_category_create({CTX_SQL}, 'U', 'Units')", (tenant,))
    uom = row_json(conn, f"erp.uom_create({CTX_SQL}, 'PCE', 'Piece', 'U', 'reference', 1,"
                         " 0.0001)", (tenant,))["id"]
    partner = row_json(conn, f"erp.partner_create({CTX_SQL}, 'C1', 'Customer')", (tenant,))["id"]
    product = row_json(conn, f"erp.product_create({CTX_SQL}, 'P1', 'Product', %s, 'goods', 10)",
                       (tenant, uom))["id"]
    shop = Shop(tenant, partner, product, uom)
    if tax_rounding:
        settings_set(conn, shop, {"tax_rounding": tax_rounding})
    return shop


def settings_set(conn, shop: Shop, patch: dict) -> dict:
    return row_json(conn, f"erp.sales_settings_set({CTX_SQL}, %s::jsonb)",
                    (shop.tenant, dumps(patch)))


def tax_create(conn, shop: Shop, code: str, rate: Decimal | str, price_include: bool) -> dict:
    tax = row_json(conn, f"erp.sales_tax_create({CTX_SQL}, %s, %s, %s, %s)",
                   (shop.tenant, code, f"Tax {code}", Decimal(rate), price_include))
    shop.taxes[code] = tax
    return tax


# ---- orders --------------------------------------------------------------------------------------
def line_json(shop: Shop, quantity, price_unit, discount=Decimal(0), taxes: Iterable[str] = (),
              **extra) -> dict:
    """A line for p_lines / p_line; ``taxes`` are codes of ``shop.taxes``."""
    out = {"product_id": shop.product, "quantity": Decimal(quantity),
           "price_unit": Decimal(price_unit), "discount": Decimal(discount),
           "tax_ids": [shop.taxes[c]["id"] for c in taxes]}
    out.update(extra)
    return out


def order_create(conn, shop: Shop, lines: list[dict], currency: str = "EUR",
                 order_date: date | None = date(2026, 3, 2)) -> dict:
    return conn.execute(
        "SELECT erp.sales_order_create(%s, NULL, 'SYSTEM', 'sales-test', p_partner_id => %s,"
        " p_order_date => %s, p_currency => %s, p_lines => %s::jsonb)",
        (shop.tenant, shop.partner, order_date, currency, dumps(lines))).fetchone()[0]


def order_get(conn, tenant, order_id) -> dict:
    return conn.execute("SELECT erp.sales_order_get(%s, %s)", (tenant, order_id)).fetchone()[0]


def call(conn, fn: str, tenant, *args, expected_version=None):
    """``erp.<fn>(context, args..., p_expected_version)``; its result as JSON."""
    marks = ", ".join(["%s"] * len(args))
    sql = f"erp.{fn}({CTX_SQL}, {marks}, p_expected_version => %s)"
    return row_json(conn, sql, (tenant, *args, expected_version))


def line_add(conn, tenant, order_id, line: dict, expected_version=None):
    marks = "%s, %s::jsonb"
    return row_json(conn, f"erp.sales_order_line_add({CTX_SQL}, {marks}, p_expected_version =>"
                          " %s)", (tenant, order_id, dumps(line), expected_version))


def line_update(conn, tenant, line_id, patch: dict, expected_version=None):
    return row_json(conn, f"erp.sales_order_line_update({CTX_SQL}, %s, %s::jsonb,"
                          " p_expected_version => %s)",
                    (tenant, line_id, dumps(patch), expected_version))


def stored(conn, tenant, order_id) -> tuple[dict, list[dict]]:
    """The order's stored amounts and its active lines (a removed line is archived), with
    their taxes' rates, read from the tables, not from the functions."""
    order = conn.execute(
        "SELECT to_jsonb(o) FROM erp.sales_orders AS o WHERE o.tenant_id = %s AND o.id = %s",
        (tenant, order_id)).fetchone()[0]
    lines = [r[0] for r in conn.execute(
        """SELECT to_jsonb(l) || jsonb_build_object('taxes', coalesce((
                SELECT jsonb_agg(jsonb_build_object('code', t.id, 'rate', t.rate,
                    'price_include', t.price_include) ORDER BY x.n)
                FROM unnest(l.tax_ids) WITH ORDINALITY AS x (tax_id, n)
                JOIN erp.sales_taxes AS t ON t.tenant_id = l.tenant_id AND t.id = x.tax_id),
                '[]'))
        FROM erp.sales_order_lines AS l
        WHERE l.tenant_id = %s AND l.order_id = %s AND l.active ORDER BY l.position""",
        (tenant, order_id))]
    return order, lines


# ---- the reference computation (DESIGN.md, erp.sales, "Amounts") ------------------------------
@dataclass(frozen=True)
class Tax:
    key: str  # the tax's identity: under `global` a tax is rounded once per key
    rate: Decimal
    price_include: bool


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    price_unit: Decimal
    discount: Decimal
    taxes: tuple[Tax, ...]


def rounder(decimals: int):
    quantum = Decimal(1).scaleb(-decimals)
    # ROUND_HALF_UP in decimal rounds ties away from zero (on the absolute value), as float_round
    return lambda v: v.quantize(quantum, rounding=ROUND_HALF_UP)


def expected_amounts(lines: list[Line], decimals: int, rounding: str) -> dict:
    """{'amount_untaxed', 'amount_tax', 'amount_total', 'lines': [{price_subtotal, price_tax,
    price_total}]} by the DESIGN rules: gross = q x p x (1 - d/100); tax_i = gross x rate_i /
    (100 + sum of included rates); a line's tax = sum of its rounded taxes, its subtotal = the
    rounded gross minus its rounded included taxes; per_line: the order sums the lines; global:
    the order's tax is the sum over taxes of the rounded sum of the raw amounts."""
    rnd = rounder(decimals)
    with localcontext() as ctx:
        ctx.prec = 80
        out_lines, raw_per_tax = [], {}
        untaxed = line_tax_sum = Decimal(0)
        for ln in lines:
            gross = ln.quantity * ln.price_unit * (1 - ln.discount / 100)
            included = sum((t.rate for t in ln.taxes if t.price_include), Decimal(0))
            tax = included_rounded = Decimal(0)
            for t in ln.taxes:
                raw = gross * t.rate / (100 + included)
                raw_per_tax[t.key] = raw_per_tax.get(t.key, Decimal(0)) + raw
                tax += rnd(raw)
                if t.price_include:
                    included_rounded += rnd(raw)
            subtotal = rnd(gross) - included_rounded
            out_lines.append({"price_subtotal": subtotal, "price_tax": tax,
                              "price_total": subtotal + tax})
            untaxed += subtotal
            line_tax_sum += tax
        order_tax = (sum((rnd(v) for v in raw_per_tax.values()), Decimal(0))
                     if rounding == "global" else line_tax_sum)
    return {"amount_untaxed": untaxed, "amount_tax": order_tax,
            "amount_total": untaxed + order_tax, "lines": out_lines}


def lines_of(stored_lines: list[dict]) -> list[Line]:
    """Reference lines from stored line rows (see :func:`stored`)."""
    return [Line(Decimal(ln["quantity"]), Decimal(ln["price_unit"]), Decimal(ln["discount"]),
                 tuple(Tax(str(t["code"]), Decimal(t["rate"]), t["price_include"])
                       for t in ln["taxes"])) for ln in stored_lines]


def amounts_of(order: dict) -> dict:
    """The amounts of an order (from the tables or from sales_order_get) as Decimals."""
    out = {k: Decimal(order[k]) for k in AMOUNTS}
    if "lines" in order:
        out["lines"] = [{k: Decimal(ln[k]) for k in LINE_AMOUNTS} for ln in order["lines"]]
    return out


def assert_recomputed(conn, tenant, order_id) -> tuple[dict, list[dict]]:
    """The stored order and line amounts equal the reference recomputed from the stored lines."""
    order, lines = stored(conn, tenant, order_id)
    decimals = DECIMALS[order["currency"]]
    want = expected_amounts(lines_of(lines), decimals, order["tax_rounding"])
    got = amounts_of({**order, "lines": lines})
    assert got == want, f"order {order_id} ({order['tax_rounding']}, {order['currency']})"
    return order, lines
