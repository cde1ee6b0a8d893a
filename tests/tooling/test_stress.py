"""The stress runner: a short run holds every invariant, and a broken invariant is reported."""

from __future__ import annotations

import io
import re

import psycopg
import pytest
from rich.console import Console

from harness import stress, testing

MIN_WORKERS = 4  # stress.run sizes its workers to the server; below this a run shows nothing


def short_run(dsn: str, before_check=None, **kw) -> tuple[int, str]:
    budget = testing.measure_connections(dsn)
    if budget.available - stress.SPARE_CONNECTIONS < MIN_WORKERS:
        pytest.skip(f"needs {MIN_WORKERS + stress.SPARE_CONNECTIONS} connections, the server "
                    f"allows {budget.available} ({budget.describe()})")
    out = io.StringIO()
    options = {"workers": 100, "seconds": 3, "tenants": 4, "kill_interval": 0.2, "seed": 7}
    options.update(kw)
    code = stress.run(dsn, before_check=before_check,
                      console=Console(file=out, width=250, force_terminal=False), **options)
    return code, out.getvalue()


def test_short_run_holds_every_invariant(dsn):
    code, out = short_run(dsn)
    assert code == 0, out[-4000:]
    assert "all invariants hold" in out
    counts = re.search(r"(\d+) transactions committed .* (\d+) lost to (\d+) terminated", out)
    assert counts, out[-2000:]
    committed, _, killed = map(int, counts.groups())
    assert committed > 20 and killed > 0  # loose: a loaded CI machine is slow, not wrong
    ran = {fn for fn in ("sequence_next", "sequence_next_batch", "uom_create", "uom_update",
                         "partner_create", "partner_update", "product_create", "product_update")
           if re.search(rf"\b{fn}\b[\s│]+[1-9]\d*", out)}
    assert "sequence_next" in ran and len(ran) >= 5, ran


def test_a_gap_injected_by_hand_is_reported(dsn):
    def inject_gap(url, tenants, stats):
        with psycopg.connect(url, autocommit=True) as su:  # superuser: bypasses RLS
            su.execute("""
                UPDATE erp.erp_sequence_counters SET next_value = next_value + step
                WHERE (tenant_id, sequence_id, period_key) = (
                    SELECT tenant_id, sequence_id, period_key FROM erp.erp_sequence_counters
                    WHERE tenant_id = ANY(%s) ORDER BY period_key LIMIT 1)""",
                       ([t.id for t in tenants],))

    code, out = short_run(dsn, inject_gap, workers=20, seconds=1, kill_interval=0)
    assert code == 1
    assert "sequence_gap" in out
    assert re.search(r"period \S+: the counter continues at \d+, expected \d+", out)


def test_a_row_changed_behind_the_audit_is_reported(dsn):
    def forge(url, tenants, stats):
        with psycopg.connect(url, autocommit=True) as su:
            su.execute("UPDATE erp.erp_uoms SET name = 'forged' WHERE tenant_id = %s "
                       "AND code = 'PC'", (tenants[1].id,))

    code, out = short_run(dsn, forge, workers=20, seconds=1, kill_interval=0)
    assert code == 1
    assert "snapshot_mismatch" in out
    assert "current row differs from the replayed audit trail (fields ['name'])" in out


def test_a_number_a_client_saw_committed_but_missing_is_reported(dsn):
    def lose_a_commit(url, tenants, stats):
        key = next(iter(stats.numbers))
        stats.numbers[key].append(10**9)  # as if a commit acknowledged to a client vanished

    code, out = short_run(dsn, lose_a_commit, workers=20, seconds=1, kill_interval=0)
    assert code == 1
    assert "numbers committed to clients but not issued: [1000000000]" in out
