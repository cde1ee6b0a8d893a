"""erp.inventory_on_hand(p_as_of) answers from the ledger: after a series of receipts,
deliveries, an adjustment and a cancelled picking, each point in time between them reads
exactly the stock the done moves up to that time make, for the stock location, for every
internal location (NULL) and for the suppliers' location (which reads negative). A
reservation changes nothing in the past; a cancelled picking never appears."""

from __future__ import annotations

import time
from decimal import Decimal

from tests.inventory import stock


def now(conn):
    time.sleep(0.01)  # the next transaction's timestamps are strictly later
    ts = conn.execute("SELECT clock_timestamp()").fetchone()[0]
    time.sleep(0.01)
    return ts


def test_on_hand_as_of_reads_the_ledger_at_past_times(conn, tenant):
    locs = stock.setup(conn, tenant)
    stock_loc, suppliers = locs["stock"]["id"], locs["suppliers"]["id"]
    unit, dozen = stock.units(conn, tenant)
    product = stock.product(conn, tenant, unit)
    marks = [(now(conn), 0)]
    stock.receive(conn, tenant, product, 10)
    marks.append((now(conn), 10))
    stock.receive(conn, tenant, product, 2, dozen)
    marks.append((now(conn), 34))
    out = stock.delivery(conn, tenant, [(product, 4)])
    stock.reserve(conn, tenant, out["id"])
    marks.append((now(conn), 34))  # reserved, not moved
    stock.validate(conn, tenant, out["id"])
    marks.append((now(conn), 30))
    cancelled = stock.delivery(conn, tenant, [(product, 5)])
    stock.reserve(conn, tenant, cancelled["id"])
    stock.cancel(conn, tenant, cancelled["id"])
    marks.append((now(conn), 30))
    stock.adjust(conn, tenant, stock_loc, [(product, 27)])
    marks.append((now(conn), 27))
    partial = stock.delivery(conn, tenant, [(product, 7)])
    got = stock.reserve(conn, tenant, partial["id"])
    stock.validate(conn, tenant, partial["id"], done={got["moves"][0]["id"]: 5})
    marks.append((now(conn), 22))

    for at, expected in marks:
        assert stock.on_hand(conn, tenant, product, stock_loc, at)[0] == expected, at
        assert stock.on_hand(conn, tenant, product, None, at)[0] == expected, at
    # what came in from the suppliers' location is missing there: it reads negative
    assert stock.on_hand(conn, tenant, product, suppliers, marks[2][0])[0] == -34
    assert stock.on_hand(conn, tenant, product, suppliers, marks[0][0])[0] == 0
    # the present, asked as of now, is the balance
    on_hand, reserved, _ = stock.on_hand(conn, tenant, product, stock_loc)
    assert on_hand == Decimal(22) and reserved == 2  # the backorder keeps its 2
    assert stock.on_hand(conn, tenant, product, stock_loc, now(conn))[0] == on_hand
    assert stock.problems(conn, tenant) == {}
