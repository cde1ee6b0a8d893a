"""Order amounts over random orders (hypothesis, bounded): random lines, quantities, prices,
discounts, mixed price-included and price-excluded taxes, currencies with 0, 2 and 3 decimals,
``per_line`` and ``global`` rounding. For every order, as returned and as stored:

* ``amount_total = amount_untaxed + amount_tax`` exactly, on the order and on every line;
* with ``per_line``, the lines' subtotals, taxes and totals sum to the order's amounts;
* every amount has at most the currency's decimals;
* every amount equals an independent recomputation of DESIGN.md's rules in Python
  (``decimal``, half away from zero: :func:`tests.sales.orders.expected_amounts`);
* after a series of line additions, updates and removals, the stored amounts equal that
  recomputation from the remaining lines and the amounts of a fresh order with the same lines,
  and every line change bumped the order's version by exactly one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sales.orders import (
    AMOUNTS,
    DECIMALS,
    LINE_AMOUNTS,
    Line,
    Tax,
    amounts_of,
    call,
    expected_amounts,
    line_add,
    line_json,
    line_update,
    new_shop,
    order_create,
    stored,
    tax_create,
)

# code -> (rate, price_include); a line takes up to three of them
TAXES = {"E0": ("0", False), "E5": ("5", False), "E10": ("10", False), "E21": ("21", False),
         "E1234": ("12.3456", False), "I10": ("10", True), "I12": ("12", True),
         "I21": ("21", True), "I55": ("5.5", True), "I7777": ("7.7777", True)}
ROUNDINGS = ("per_line", "global")


@pytest.fixture(scope="module")
def shops(mconn):
    """{rounding: shop}: one tenant per rounding method, each with every tax of TAXES."""
    out = {}
    for rounding in ROUNDINGS:
        shop = new_shop(mconn, f"Properties {rounding}", rounding)
        for code, (rate, included) in TAXES.items():
            tax_create(mconn, shop, code, rate, included)
        out[rounding] = shop
    return out


def scaled(low: int, high: int, max_places: int):
    """Decimals low..high with up to ``max_places`` decimals."""
    return st.integers(0, max_places).flatmap(
        lambda places: st.integers(low * 10 ** places, high * 10 ** places).map(
            lambda n: Decimal(n).scaleb(-places)))


LINES = st.fixed_dictionaries({
    "quantity": scaled(1, 500, 3).filter(lambda q: q > 0),
    "price_unit": st.one_of(scaled(0, 100, 4), scaled(0, 100000, 2)),
    "discount": st.one_of(st.just(Decimal(0)), scaled(0, 100, 2)),
    "taxes": st.lists(st.sampled_from(sorted(TAXES)), max_size=3, unique=True),
})
ORDERS = st.fixed_dictionaries({
    "rounding": st.sampled_from(ROUNDINGS),
    "currency": st.sampled_from(sorted(DECIMALS)),
    "lines": st.lists(LINES, min_size=1, max_size=6),
})
PATCHES = st.fixed_dictionaries({}, optional={
    "quantity": scaled(1, 500, 3).filter(lambda q: q > 0),
    "price_unit": scaled(0, 10000, 4),
    "discount": scaled(0, 100, 2),
    "taxes": st.lists(st.sampled_from(sorted(TAXES)), max_size=3, unique=True),
}).filter(bool)
CHANGES = st.lists(st.one_of(
    st.tuples(st.just("add"), LINES),
    st.tuples(st.just("update"), st.integers(0, 20), PATCHES),
    st.tuples(st.just("remove"), st.integers(0, 20)),
), min_size=1, max_size=6)


def reference(lines: list[dict]) -> list[Line]:
    return [Line(ln["quantity"], ln["price_unit"], ln["discount"],
                 tuple(Tax(c, Decimal(TAXES[c][0]), TAXES[c][1]) for c in ln["taxes"]))
            for ln in lines]


def to_json(shop, line: dict) -> dict:
    return line_json(shop, line["quantity"], line["price_unit"], line["discount"], line["taxes"])


def check_invariants(order: dict, rounding: str, decimals: int) -> None:
    amounts = amounts_of(order)
    assert amounts["amount_total"] == amounts["amount_untaxed"] + amounts["amount_tax"]
    quantum = Decimal(1).scaleb(-decimals)
    for ln in amounts["lines"]:
        assert ln["price_total"] == ln["price_subtotal"] + ln["price_tax"]
    for value in [amounts[k] for k in AMOUNTS] + [ln[k] for ln in amounts["lines"]
                                                  for k in LINE_AMOUNTS]:
        assert value == value.quantize(quantum), f"{value} has more than {decimals} decimals"
    if rounding == "per_line":
        for order_key, line_key in zip(AMOUNTS, LINE_AMOUNTS, strict=True):
            assert sum((ln[line_key] for ln in amounts["lines"]), Decimal(0)) == amounts[order_key]


def last_event(mconn, tenant, order_id) -> tuple:
    """(event type, version, whether it has changes) of the order's latest versioned event."""
    return mconn.execute(
        "SELECT e.event_type, e.entity_version, coalesce(e.changes, '{}') <> '{}'"
        " FROM erp.erp_audit_events AS e WHERE e.tenant_id = %s AND e.entity_id = %s"
        " AND e.entity_version IS NOT NULL ORDER BY e.entity_version DESC LIMIT 1",
        (tenant, order_id)).fetchone()


ORDER_KEYS = {"id", "number", "state", "version", "currency", "partner_id", "order_date",
              "tax_rounding", "note", *AMOUNTS, "lines"}
LINE_KEYS = {"id", "product_id", "quantity", "uom_id", "price_unit", "discount", "tax_ids",
             "description", "position", *LINE_AMOUNTS, "qty_delivered"}


def check_shape(order: dict) -> None:
    """DESIGN's JSON shapes: the keys are there, amounts are JSON numbers, ids strings."""
    assert set(order) >= ORDER_KEYS, ORDER_KEYS - set(order)
    assert all(isinstance(order[k], (int, Decimal)) for k in AMOUNTS)
    assert isinstance(order["id"], str)
    for ln in order["lines"]:
        assert set(ln) >= LINE_KEYS, LINE_KEYS - set(ln)
        assert all(isinstance(ln[k], (int, Decimal)) for k in (*LINE_AMOUNTS, "quantity",
                                                              "price_unit", "discount"))
        assert isinstance(ln["id"], str) and all(isinstance(t, str) for t in ln["tax_ids"])


def check_against_reference(mconn, shop, order: dict, lines: list[dict]) -> None:
    rounding, decimals = order["tax_rounding"], DECIMALS[order["currency"]]
    want = expected_amounts(reference(lines), decimals, rounding)
    check_shape(order)
    check_invariants(order, rounding, decimals)
    assert amounts_of(order) == want
    table_order, table_lines = stored(mconn, shop.tenant, order["id"])
    assert amounts_of({**table_order, "lines": table_lines}) == want, "stored amounts"
    check_invariants({**table_order, "lines": table_lines}, rounding, decimals)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=ORDERS)
def test_order_amounts_follow_the_rules(mconn, shops, spec):
    shop = shops[spec["rounding"]]
    order = order_create(mconn, shop, [to_json(shop, ln) for ln in spec["lines"]],
                         spec["currency"])
    assert order["tax_rounding"] == spec["rounding"]
    assert len(order["lines"]) == len(spec["lines"])
    check_against_reference(mconn, shop, order, spec["lines"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=ORDERS, changes=CHANGES)
def test_amounts_after_line_changes_equal_a_fresh_recomputation(mconn, shops, spec, changes):
    shop = shops[spec["rounding"]]
    order = order_create(mconn, shop, [to_json(shop, ln) for ln in spec["lines"]],
                         spec["currency"])
    lines = list(spec["lines"])
    ids = [ln["id"] for ln in order["lines"]]
    version = order["version"]
    for change in changes:
        kind = change[0]
        if kind == "add":
            line_add(mconn, shop.tenant, order["id"], to_json(shop, change[1]), version)
            lines.append(change[1])
        elif not lines:
            continue
        elif kind == "update":
            index, patch = change[1] % len(lines), change[2]
            if all(set(lines[index][k]) == set(v) if k == "taxes" else lines[index][k] == v
                   for k, v in patch.items()):
                continue  # a patch that changes nothing need not bump the version
            body = {k: v for k, v in patch.items() if k != "taxes"}
            if "taxes" in patch:
                body["tax_ids"] = [shop.taxes[c]["id"] for c in patch["taxes"]]
            line_update(mconn, shop.tenant, ids[index], body, version)
            lines[index] = {**lines[index], **patch}
        else:
            index = change[1] % len(lines)
            call(mconn, "sales_order_line_remove", shop.tenant, ids.pop(index),
                 expected_version=version)
            del lines[index]
        current = stored(mconn, shop.tenant, order["id"])[0]
        assert current["version"] == version + 1, f"{kind} bumps the order's version by one"
        assert last_event(mconn, shop.tenant, order["id"]) == (
            "erp.sales.order.updated", current["version"], True), "an order event with changes"
        version = current["version"]
        if kind == "add":
            ids = [ln["id"] for ln in stored(mconn, shop.tenant, order["id"])[1]]
    got = mconn.execute("SELECT erp.sales_order_get(%s, %s)", (shop.tenant, order["id"])
                        ).fetchone()[0]
    assert [ln["id"] for ln in got["lines"]] == ids, "the remaining lines, in position order"
    check_against_reference(mconn, shop, got, lines)
    if lines:
        fresh = order_create(mconn, shop, [to_json(shop, ln) for ln in lines], spec["currency"])
        assert amounts_of(fresh) == amounts_of(got), "a fresh order with the same lines"
    else:
        assert amounts_of(got) == {k: 0 for k in AMOUNTS} | {"lines": []}
