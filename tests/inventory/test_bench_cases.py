"""Smoke test of the inventory bench cases (not of performance): their setup builds on a
migrated database, every case runs through the Python driver for a fraction of a second
without an error, the reservation cases give back what they reserve, the peer and the
project deliver from the same stock, and stock stays consistent (erp.inventory_verify)."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from harness.benchlib import cases, cases_inventory, drivers, report, schema
from tests.inventory import stock


def test_inventory_bench_cases_run_and_leave_stock_consistent(dsn: str,
                                                                conn: psycopg.Connection) -> None:
    defines = schema.setup(conn, conn.info.dbname, partners=20, log=lambda _m: None)
    defines.update(cases_inventory.setup(conn, lambda _m: None))
    defines["partners"] = 20
    driver = drivers.PythonDriver()
    results = {}
    for case in cases.INVENTORY:
        r = driver.run(dsn, case.script, clients=2, duration=0.3, warmup=0.05, defines=defines)
        assert r.errors == 0, (case.key, r.error)
        assert r.transactions > 0, case.key
        results[case.key] = {2: r}
    rows = report.build_rows(results)
    assert report.find(rows, "i.reserve", 2)["baseline"] == "i.raw_reserve"
    assert report.find(rows, "i.deliver", 2)["ratio"] > 0
    tenant = defines["tenant"]
    # every reservation was released again, in the project and in the clone
    assert stock.balance(conn, tenant, defines["inv_hot"], defines["inv_stock"])[1] == 0
    assert conn.execute("SELECT sum(reserved) FROM bench.inv_balances").fetchone()[0] == 0
    # the project's deliveries and the peer's took the same units out of the same stock
    delivered = conn.execute(
        "SELECT count(*) FROM erp.inventory_pickings WHERE tenant_id = %s AND kind = 'delivery'"
        " AND state = 'done'", (tenant,)).fetchone()[0]
    peer = conn.execute("SELECT count(*) FROM bench.inv_pickings_trg").fetchone()[0]
    assert delivered > 0 and peer > 0
    line = conn.execute("SELECT product_id FROM bench.inv_line_rows LIMIT 1").fetchone()[0]
    on_hand = stock.balance(conn, tenant, line, defines["inv_stock"])[0]
    assert on_hand == Decimal(1_000_000_000) - delivered
    assert conn.execute("SELECT on_hand FROM bench.inv_balances WHERE product_id = %s AND"
                        " location_id = %s", (line, defines["inv_stock"])).fetchone()[0] \
        == Decimal(1_000_000_000) - peer
    assert conn.execute("SELECT count(*) FROM erp.inventory_verify(%s)",
                        (tenant,)).fetchone()[0] == 0
