"""Smoke test of the benchmark machinery (not of performance): the bench schema builds on a
migrated database, a raw baseline, a project call and a multi-statement posting run through
both drivers for a fraction of a second, and the report rows carry the expected fields."""

from __future__ import annotations

import psycopg
import pytest

from harness.benchlib import cases, drivers, report, schema

SUMMARY_KEYS = {"clients", "seconds", "transactions", "errors", "tps", "p50_ms", "p95_ms",
                "p99_ms", "driver", "load1"}


@pytest.fixture
def bench_db(dsn: str, conn: psycopg.Connection) -> dict:
    defines = schema.setup(conn, conn.info.dbname, partners=20, log=lambda _m: None)
    return {**defines, "partners": 20}


def test_parse_script_splits_meta_sql_and_gset() -> None:
    cmds = drivers.parse_script(cases.BY_KEY["p.next"].script)
    assert cmds[0].text == "BEGIN"
    assert sum(1 for c in cmds if c.gset) == 2  # the number and the invoice id
    assert cmds[-1].text == "COMMIT"


def test_python_driver_runs_baseline_project_and_posting(dsn: str, bench_db: dict,
                                                        conn: psycopg.Connection) -> None:
    driver = drivers.PythonDriver()
    results = {}
    for key in ("seq.raw", "seq.next", "p.next"):
        r = driver.run(dsn, cases.BY_KEY[key].script, clients=2, duration=0.3, warmup=0.05,
                       defines=bench_db)
        assert r.errors == 0, r.error
        assert r.transactions > 0
        assert r.tps > 0
        assert set(r.summary()) >= SUMMARY_KEYS
        assert 0 < r.percentile_ms(50) <= r.percentile_ms(99)
        results[key] = {2: r}
    rows = report.build_rows(results)
    seq_next = report.find(rows, "seq.next", 2)
    assert seq_next["baseline"] == "seq.raw"
    assert seq_next["ratio"] > 0
    assert seq_next["units_per_s"] == pytest.approx(seq_next["tps"], rel=0.01)
    # the posting case wrote one invoice per number, numbered without a gap
    count, low, top = conn.execute(
        "SELECT count(*), min(n), max(n) FROM (SELECT split_part(number, '/', 3)::bigint AS n "
        "FROM bench.invoices WHERE number LIKE 'INV/%') AS i").fetchone()
    assert count > 0
    assert top - low + 1 == count


@pytest.mark.skipif(drivers.pgbench_path() is None, reason="pgbench not installed")
def test_pgbench_driver_runs_a_project_call(dsn: str, bench_db: dict) -> None:
    r = drivers.PgbenchDriver().run(dsn, cases.BY_KEY["w.uom_create"].script, clients=2,
                                    duration=0.5, warmup=0.2, defines=bench_db)
    assert r.errors == 0, r.error
    assert r.transactions > 0
    assert r.tps > 0
    assert r.summary()["driver"] == "pgbench"
