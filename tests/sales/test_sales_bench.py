"""Smoke test of the sales benchmark cases (``harness.benchlib.cases_sales``; not of
performance): each ``so.*`` case runs through the Python driver for a fraction of a second
without an error, and the peer writes what the project writes: per order the same rows (one
order, ten lines), the same audit events (order created, ten lines created, confirmed, numbered,
one allocation) and one gapless number per confirmed order."""

from __future__ import annotations

import psycopg
import pytest

from harness.benchlib import cases, cases_sales, drivers, schema

KEYS = [c.key for c in cases.SALES]


@pytest.fixture
def sales_bench(dsn: str, conn: psycopg.Connection) -> dict:
    defines = schema.setup(conn, conn.info.dbname, partners=20, log=lambda _m: None)
    defines.update(cases_sales.setup(conn, defines["tenant"]))
    return {**defines, "partners": 20}


def run(dsn: str, key: str, defines: dict) -> int:
    r = drivers.PythonDriver().run(dsn, cases.BY_KEY[key].script, clients=2, duration=0.3,
                                   warmup=0.0, defines=defines)
    assert r.errors == 0, f"{key}: {r.error}"
    assert r.all_transactions > 0, key
    return r.all_transactions


def test_every_sales_case_is_declared_with_a_baseline_in_its_group():
    assert KEYS == ["so.peer", "so.confirm", "so.peer_nonum", "so.peer_num", "so.nonum", "so.num"]
    for case in cases.SALES:
        if case.baseline:
            assert cases.BY_KEY[case.baseline].group == case.group
        assert drivers.parse_script(case.script)


def test_the_peer_writes_what_the_project_writes(dsn, conn, sales_bench):
    done = {key: run(dsn, key, sales_bench) for key in ("so.peer", "so.confirm")}
    tenant = sales_bench["tenant"]
    project = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE o.number LIKE 'SO/%%'),"
        " (SELECT count(*) FROM erp.sales_order_lines AS l WHERE l.tenant_id = %s)"
        " FROM erp.sales_orders AS o WHERE o.tenant_id = %s AND o.state = 'confirmed'",
        (tenant, tenant)).fetchone()
    peer = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE o.number LIKE 'SO/%%'),"
        " (SELECT count(*) FROM bench.sales_order_lines)"
        " FROM bench.sales_orders AS o WHERE o.state = 'confirmed'").fetchone()
    assert project == (done["so.confirm"], done["so.confirm"], 10 * done["so.confirm"])
    assert peer == (done["so.peer"], done["so.peer"], 10 * done["so.peer"])
    numbers = [r[0] for r in conn.execute(
        "SELECT split_part(o.number, '/', 3)::bigint FROM erp.sales_orders AS o"
        " WHERE o.tenant_id = %s ORDER BY 1", (tenant,))]
    assert numbers == list(range(1, len(numbers) + 1)), "gapless from 1"
    project_events = dict(conn.execute(
        "SELECT e.event_type, count(*) FROM erp.erp_audit_events AS e WHERE e.tenant_id = %s"
        " AND (e.event_type LIKE 'erp.sales.order%%' OR e.event_type LIKE '%%.allocated')"
        " GROUP BY 1", (tenant,)).fetchall())
    peer_events = dict(conn.execute(
        "SELECT CASE WHEN e.event_type LIKE '%%.update' THEN 'update' ELSE e.event_type END,"
        " count(*) FROM bench.audit_trg AS e GROUP BY 1").fetchall())
    n, m = done["so.confirm"], done["so.peer"]
    assert project_events == {"erp.sales.order.created": n, "erp.sales.order_line.created": 10 * n,
                              "erp.sales.order.confirmed": n, "erp.sales.order.numbered": n,
                              "erp.base.sequence.allocated": n}
    assert peer_events == {"erp.sales.order.insert": m, "erp.sales.order_line.insert": 10 * m,
                           "update": 2 * m, "erp.base.sequence.allocated": m}


def test_the_one_series_cases_run(dsn, conn, sales_bench):
    done = {key: run(dsn, key, sales_bench) for key in ("so.peer_nonum", "so.peer_num",
                                                        "so.nonum", "so.num")}
    tenant = sales_bench["tenant"]
    states = dict(conn.execute("SELECT o.state, count(*) FROM erp.sales_orders AS o"
                               " WHERE o.tenant_id = %s GROUP BY 1", (tenant,)).fetchall())
    assert states == {"cancelled": done["so.nonum"], "confirmed": done["so.num"]}
    assert conn.execute("SELECT count(*) FROM bench.sales_orders WHERE number IS NULL"
                        ).fetchone()[0] == done["so.peer_nonum"]
