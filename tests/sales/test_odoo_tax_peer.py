"""Odoo's own tax tests, restated (``odoo_tax_cases.json``; ``odoo_tax_cases.md`` says where each
case comes from and how Odoo computes). Every applicable case creates its taxes and one order
through ``erp.sales_order_create`` in its own tenant, with the case's rounding method and a
currency of the case's minor unit, and asserts every line amount and every order amount, both
as returned and as stored. Where the module differs from Odoo by design, the case asserts the
module's value and carries Odoo's beside it with the reason (``odoo_expected``, ``differs``).
The cases outside the module's tax model are listed as skipped with their reason, so the count
stays honest."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.sales.orders import (
    AMOUNTS,
    CURRENCY,
    LINE_AMOUNTS,
    Line,
    Tax,
    amounts_of,
    expected_amounts,
    line_json,
    new_shop,
    order_create,
    stored,
    tax_create,
)

CASES = json.loads((Path(__file__).with_name("odoo_tax_cases.json")).read_text())


def case_id(index: int, case: dict) -> str:
    name = case["source"].rsplit("::", 1)[-1] if "::" in case["source"] else case["source"]
    return f"{index:02d}-" + re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")[:60]


APPLICABLE = [pytest.param(c, id=case_id(i, c)) for i, c in enumerate(CASES) if c["applies"]]
OUTSIDE = [pytest.param(c, id=case_id(i, c)) for i, c in enumerate(CASES) if not c["applies"]]


def as_decimals(expected: dict) -> dict:
    out = {k: Decimal(expected[k]) for k in AMOUNTS}
    if "lines" in expected:
        out["lines"] = [{k: Decimal(ln[k]) for k in LINE_AMOUNTS} for ln in expected["lines"]]
    return out


def reference_lines(case: dict) -> list[Line]:
    return [Line(Decimal(ln["quantity"]), Decimal(ln["price_unit"]),
                 Decimal(ln.get("discount") or "0"),
                 tuple(Tax(t["code"], Decimal(t["rate"]), t["price_include"]) for t in ln["taxes"]))
            for ln in case["lines"]]


def test_the_cases_are_counted_and_explained():
    """Every case is counted; the 32 outside the module (fixed-amount, division and group taxes,
    tax on tax, repartition lines, cash rounding, ...) each say why in the data, and are not run."""
    assert len(CASES) == 72
    assert len(APPLICABLE) == 40 and len(OUTSIDE) == 32
    for case in CASES:
        assert case["source"]
        assert case["rounding"] in ("per_line", "global")
        assert case["currency_decimals"] in CURRENCY
        if case["applies"]:
            assert case["lines"] and case["expected"] and not case["why_not"]
        else:
            assert case["why_not"] and case["lines"] == [] and case["expected"] is None
        if "differs" in case or "odoo_expected" in case:
            assert case["differs"] and case["odoo_expected"]
            assert as_decimals(case["odoo_expected"]) != as_decimals(
                {k: case["expected"][k] for k in case["odoo_expected"]}), \
                "a case marked as differing from Odoo differs"


@pytest.mark.parametrize("case", APPLICABLE)
def test_the_reference_computation_gives_every_expected_amount(case):
    """The Python recomputation the property tests use agrees with the restated cases."""
    got = expected_amounts(reference_lines(case), case["currency_decimals"], case["rounding"])
    assert got == as_decimals(case["expected"])


@pytest.mark.parametrize("case", APPLICABLE)
def test_odoo_case(mconn, case):
    shop = new_shop(mconn, "Odoo peer", case["rounding"])
    for ln in case["lines"]:
        for t in ln["taxes"]:
            if t["code"] not in shop.taxes:
                tax_create(mconn, shop, t["code"], t["rate"], t["price_include"])
    lines = [line_json(shop, ln["quantity"], ln["price_unit"], ln.get("discount") or "0",
                       [t["code"] for t in ln["taxes"]]) for ln in case["lines"]]
    currency = CURRENCY[case["currency_decimals"]]
    order = order_create(mconn, shop, lines, currency)

    want = as_decimals(case["expected"])
    odoo = case.get("odoo_expected")
    why = f"Odoo: {odoo}; {case['differs']}" if odoo else case.get("note", "")
    assert order["state"] == "draft" and order["currency"] == currency
    assert order["tax_rounding"] == case["rounding"]
    assert amounts_of(order) == want, why
    table_order, table_lines = stored(mconn, shop.tenant, order["id"])
    assert amounts_of({**table_order, "lines": table_lines}) == want, "stored amounts"
    assert [Decimal(ln["quantity"]) for ln in order["lines"]] == [
        Decimal(ln["quantity"]) for ln in case["lines"]], "lines in the order given"

