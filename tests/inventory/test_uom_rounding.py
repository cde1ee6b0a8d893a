"""Units of measure on moves (DESIGN "erp.inventory", Moves): ``product_qty`` is the move's
quantity in the product's unit rounded half-up at that unit's rounding, computed exactly
(no binary floating point); reservations round down, so that no rounding ever reserves more
than is available.

The reported failures these catch: five dozen received as 61 units (a float conversion just
above 60, rounded up); 1 ml reserved shown and held as 2 ml (a reservation rounded up on the
way back); half-way quantities rounded to even or truncated."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from tests.inventory import stock


@pytest.fixture
def locs(conn, tenant):
    return stock.setup(conn, tenant)


def test_five_dozen_are_sixty_units_not_sixty_one(conn, tenant, locs):
    unit, dozen = stock.units(conn, tenant)
    product = stock.product(conn, tenant, unit)
    done = stock.receive(conn, tenant, product, 5, dozen)
    assert [(Decimal(str(m["quantity"])), Decimal(str(m["product_qty"])))
            for m in done["moves"]] == [(5, 60)]
    assert stock.on_hand(conn, tenant, product) == (60, 0, 60)
    # all 60 can be promised and delivered, in units or in dozens
    out = stock.delivery(conn, tenant, [(product, 36), (product, 2, dozen)])
    got = stock.reserve(conn, tenant, out["id"], partial=False)
    assert [(m["state"], Decimal(str(m["reserved_qty"]))) for m in got["moves"]] == [
        ("assigned", 36), ("assigned", 24)]
    stock.validate(conn, tenant, out["id"])
    assert stock.on_hand(conn, tenant, product) == (0, 0, 0)
    assert stock.problems(conn, tenant) == {}


def test_grams_add_up_exactly_in_kilograms(conn, tenant, locs):
    """Three receipts of 100 g of a product kept in kg (rounding 0.001) are 0.3 kg, not
    0.30000000000000004; and 60 g is 0.06 kg."""
    stock.category(conn, tenant, "WEIGHT")
    kg = stock.uom(conn, tenant, "KG", "WEIGHT", rounding=Decimal("0.001"))
    g = stock.uom(conn, tenant, "G", "WEIGHT", "smaller", 1000, rounding=1)
    product = stock.product(conn, tenant, kg)
    for _ in range(3):
        stock.receive(conn, tenant, product, 100, g)
    stock.receive(conn, tenant, product, 60, g)
    assert stock.on_hand(conn, tenant, product) == (Decimal("0.36"), 0, Decimal("0.36"))
    assert stock.problems(conn, tenant) == {}


def test_one_millilitre_reserved_stays_one_millilitre(conn, tenant, locs):
    stock.category(conn, tenant, "VOLUME")
    litre = stock.uom(conn, tenant, "L", "VOLUME", rounding=Decimal("0.001"))
    ml = stock.uom(conn, tenant, "ML", "VOLUME", "smaller", 1000, rounding=1)
    product = stock.product(conn, tenant, litre)
    stock.receive(conn, tenant, product, 1)
    out = stock.delivery(conn, tenant, [(product, 1, ml)])
    assert Decimal(str(out["moves"][0]["product_qty"])) == Decimal("0.001")
    got = stock.reserve(conn, tenant, out["id"], partial=False)
    assert [(m["state"], Decimal(str(m["reserved_qty"]))) for m in got["moves"]] == [
        ("assigned", Decimal("0.001"))]
    assert stock.balance(conn, tenant, product, locs["stock"]["id"]) == (1, Decimal("0.001"))
    stock.validate(conn, tenant, out["id"])
    assert stock.on_hand(conn, tenant, product) == (Decimal("0.999"), 0, Decimal("0.999"))
    assert stock.problems(conn, tenant) == {}


# (move quantity in the move's unit, expected product_qty): half-up at the product unit's
# rounding, ties away from zero (round-half-even would give 0.02 for 25 g and 1.00 for 1005 g)
GRAMS_TO_KG = [(5, "0.01"), (14, "0.01"), (15, "0.02"), (25, "0.03"), (1005, "1.01"),
               (1004, "1.00"), (999, "1.00")]
UNITS_TO_DOZENS = [(1, "0.08"), (6, "0.50"), (7, "0.58"), (11, "0.92"), (13, "1.08")]


@pytest.mark.parametrize("case", ["grams_to_kg", "units_to_dozens"])
def test_product_qty_is_half_up_at_the_product_units_rounding(conn, tenant, locs, case):
    if case == "grams_to_kg":
        stock.category(conn, tenant, "W")
        product_uom = stock.uom(conn, tenant, "KG", "W", rounding=Decimal("0.01"))
        move_uom = stock.uom(conn, tenant, "G", "W", "smaller", 1000, rounding=1)
        table, ratio = GRAMS_TO_KG, Decimal(1) / 1000
    else:
        stock.category(conn, tenant, "C")
        move_uom = stock.uom(conn, tenant, "UNIT", "C", rounding=1)
        product_uom = stock.uom(conn, tenant, "DOZ", "C", "bigger", 12, rounding=Decimal("0.01"))
        table, ratio = UNITS_TO_DOZENS, Decimal(1) / 12
    product = stock.product(conn, tenant, product_uom)
    picking = stock.create(conn, tenant, "receipt",
                           [stock.move(product, q, move_uom) for q, _ in table])
    got = [Decimal(str(m["product_qty"])) for m in picking["moves"]]
    assert got == [Decimal(e) for _, e in table]
    assert got == [stock.half_up(q * ratio, Decimal("0.01")) for q, _ in table]
    stock.confirm(conn, tenant, picking["id"])
    stock.validate(conn, tenant, picking["id"])
    assert stock.on_hand(conn, tenant, product)[0] == sum(got)
    assert stock.problems(conn, tenant) == {}


def test_a_reservation_rounds_down_never_above_what_is_available(conn, tenant, locs):
    """1.005 kg on hand (received while kg's rounding was 0.001), then kg's rounding becomes
    0.01: a partial reservation of 2 kg holds 1.00 kg (rounded down), never 1.01, and an
    all-or-nothing one is ZE010 with nothing written."""
    stock.category(conn, tenant, "MASS")
    kg = stock.uom(conn, tenant, "KG", "MASS", rounding=Decimal("0.001"))
    product = stock.product(conn, tenant, kg)
    stock.receive(conn, tenant, product, Decimal("1.005"))
    conn.execute("SELECT erp.uom_update(%s, NULL, 'SYSTEM', 'test', %s, '{\"rounding\": 0.01}')",
                 (tenant, kg))
    out = stock.delivery(conn, tenant, [(product, 2)])
    before = stock.events(conn, tenant)
    with pytest.raises(psycopg.Error) as err:
        stock.reserve(conn, tenant, out["id"], partial=False)
    assert err.value.sqlstate == "ZE010", str(err.value)
    assert stock.events(conn, tenant) == before
    got = stock.reserve(conn, tenant, out["id"], partial=True)
    reserved = Decimal(str(got["moves"][0]["reserved_qty"]))
    assert reserved <= Decimal("1.005"), "a rounding reserved more than is available"
    assert reserved == Decimal("1.00"), "a reservation rounds down at the product's unit"
    assert got["moves"][0]["state"] == "partially_available"
    on_hand, held, available = stock.on_hand(conn, tenant, product)
    assert (on_hand, held) == (Decimal("1.005"), reserved) and available >= 0
    assert stock.problems(conn, tenant) == {}
