"""Hypothesis state machine: definition changes (prefix, suffix, padding, reset, step) and
allocations (single and batch, document dates in several periods) on three real connections,
with commits and rollbacks, in any interleaving. Each connection runs its statements in its own
thread, so a statement that waits for a lock really waits (the machine goes on with the other
connections) and PostgreSQL's deadlock detector (deadlock_timeout 100 ms) would report any
cycle as 40P01. After every step:

* no formatted number was issued twice: the committed allocation events of the sequence hold
  each formatted number once, and no open transaction holds a number that is committed or
  held by another open transaction;
* no statement failed with 40P01, and every refusal is one the contract documents (ZE009: a
  format change an issued number fits, a series change after issue, a number the ledger holds;
  ZE003: a format that does not name the periods of the reset; 40001: a change while holding
  numbers of a sequence another change holds).

Callers take counter rows in one order (each transaction allocates its periods in ascending
order, as numbers at commit do): two transactions allocating two periods in opposite orders
deadlock whatever the definition does, which is not what this machine is about."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import date

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import new_tenant

CONNS = 3
OPTIONS = "-c statement_timeout=90s -c lock_timeout=60s -c deadlock_timeout=100ms"
DATES = (date(2025, 6, 1), date(2025, 12, 31), date(2026, 1, 1), date(2026, 7, 1))
# every prefix starts with the year, or has none (a reset 'never' only): the formats of two
# periods never print the same text, so only the counter row orders allocations of a period
PREFIXES = ("A-1", "A-", "{YYYY}/", "{YYYY}/1", "{YYYY}-", "{YYYY}")
SUFFIXES = ("", "-X", "/1")
ALLOWED = {"ZE009", "ZE003", "40001"}
SETTLE = 0.15  # seconds a statement gets before the machine goes on without it


def period_of(reset: str, d: date) -> str:
    return "all" if reset == "never" else f"{d:%Y}"


change = st.one_of(
    st.fixed_dictionaries({"prefix": st.sampled_from(PREFIXES)}),
    st.fixed_dictionaries({"suffix": st.sampled_from(SUFFIXES)}),
    st.fixed_dictionaries({"padding": st.integers(0, 4)}),
    st.fixed_dictionaries({"reset": st.sampled_from(["never", "yearly"]),
                           "prefix": st.sampled_from(PREFIXES)}),
    st.fixed_dictionaries({"step": st.integers(1, 3)}),
)


@pytest.fixture
def pool(dsn):
    conns = [psycopg.connect(dsn, options=OPTIONS) for _ in range(CONNS)]
    executors = [ThreadPoolExecutor(max_workers=1) for _ in range(CONNS)]
    yield conns, executors
    for ex in executors:
        ex.shutdown(wait=True)
    for c in conns:
        c.close()


def test_changes_and_allocations_never_repeat_a_number_nor_deadlock(conn, pool):
    conns, executors = pool
    seen: dict[str, int] = {}

    class Interleavings(RuleBasedStateMachine):
        @initialize(reset=st.sampled_from(["never", "yearly"]))
        def create(self, reset):
            self.tenant = new_tenant(conn, "Interleavings")
            self.code = "S" + uuid.uuid4().hex[:8]
            self.seq_id = conn.execute(
                "SELECT id FROM erp.sequence_create(%s, NULL, 'SYSTEM', 'sm', %s, %s, %s, '', 2,"
                " 1, 1, %s)", (self.tenant, self.code, self.code, "{YYYY}/", reset)).fetchone()[0]
            self.pending: list[Future | None] = [None] * CONNS
            self.committing = [False] * CONNS
            self.held: list[list[str]] = [[] for _ in range(CONNS)]  # numbers of open txns
            self.periods: list[list[str]] = [[] for _ in range(CONNS)]
            self.reset = reset
            for c in conns:
                c.rollback()

        # ---- running statements on a connection's own thread ------------------------------
        def submit(self, i: int, fn, committing: bool = False) -> None:
            self.committing[i] = committing
            def run():
                try:
                    return ("ok", fn(conns[i]))
                except psycopg.Error as exc:
                    conns[i].rollback()  # the transaction is over; its numbers are given back
                    return ("error", exc.sqlstate, str(exc))
            self.pending[i] = executors[i].submit(run)
            self.collect(i, SETTLE)

        def collect(self, i: int, timeout: float) -> None:
            future = self.pending[i]
            if future is None:
                return
            wait([future], timeout=timeout)
            if not future.done():
                return
            self.pending[i] = None
            self.committing[i] = False
            result = future.result()
            if result[0] == "error":
                seen[result[1]] = seen.get(result[1], 0) + 1
                self.held[i], self.periods[i] = [], []  # rolled back: its numbers are given back
                assert result[1] in ALLOWED, f"connection {i}: {result[1]} {result[2]}"
            else:
                kind, rows = result[1]
                if kind == "numbers":
                    self.held[i] += [r[0] for r in rows]
                    self.periods[i] += [r[1] for r in rows]
                else:  # a change keeps the transaction open; an end closes it
                    if kind in ("committed", "rolled_back"):
                        self.held[i], self.periods[i] = [], []
                seen[kind] = seen.get(kind, 0) + 1

        def free(self, i: int) -> bool:
            self.collect(i, 0)
            return self.pending[i] is None

        # ---- rules --------------------------------------------------------------------------
        @rule(i=st.integers(0, CONNS - 1), day=st.sampled_from(DATES), count=st.integers(1, 3))
        def allocate(self, i, day, count):
            if not self.free(i):
                return
            reset = conn.execute("SELECT reset FROM erp.erp_sequences WHERE id = %s",
                                 (self.seq_id,)).fetchone()[0]
            if self.periods[i] and period_of(reset, day) < max(self.periods[i]):
                return  # this caller takes its counter rows in ascending order
            tenant, code = self.tenant, self.code

            def run(c):
                rows = c.execute(
                    "SELECT formatted, period_key FROM erp.sequence_next_batch(%s, NULL, 'SYSTEM',"
                    " 'sm', %s, %s, %s)", (tenant, code, count, day)).fetchall()
                return ("numbers", rows)
            self.submit(i, run)

        @rule(i=st.integers(0, CONNS - 1), patch=change)
        def change_definition(self, i, patch):
            if not self.free(i):
                return
            tenant, seq_id = self.tenant, self.seq_id

            def run(c):
                c.execute("SELECT erp.sequence_update(%s, NULL, 'SYSTEM', 'sm', %s, %s::jsonb)",
                          (tenant, seq_id, json.dumps(patch)))
                return ("changed", [])
            self.submit(i, run)

        @rule(i=st.integers(0, CONNS - 1), commit=st.booleans())
        def end(self, i, commit):
            if not self.free(i):
                return

            def run(c):
                if commit:
                    c.commit()
                else:
                    c.rollback()
                return ("committed" if commit else "rolled_back", [])
            self.submit(i, run, committing=commit)

        # no precondition: whether every connection waits depends on timing, and a rule whose
        # availability depends on timing makes hypothesis's replay diverge (flaky generation)
        @rule()
        def all_waiting(self):
            """Every connection waits: one of them must go on (a cycle would be 40P01)."""
            if not all(p is not None for p in self.pending):
                return
            futures = [p for p in self.pending if p is not None]
            done, _ = wait(futures, timeout=20, return_when="FIRST_COMPLETED")
            assert done, "every connection waits and none goes on"
            for i in range(CONNS):
                self.collect(i, 0)

        # ---- what must hold after every step --------------------------------------------------
        @invariant()
        def no_number_twice(self):
            if not hasattr(self, "seq_id"):
                return
            repeats = conn.execute(
                "SELECT e.payload ->> 'formatted', count(*) FROM erp.erp_audit_events AS e"
                " WHERE e.tenant_id = %s AND e.entity_id = %s"
                " AND e.event_type = 'erp.base.sequence.allocated' GROUP BY 1 HAVING count(*) > 1",
                (self.tenant, self.seq_id)).fetchall()
            assert repeats == [], f"issued twice: {repeats}"
            committed = {r[0] for r in conn.execute(
                "SELECT formatted FROM erp.erp_sequence_numbers WHERE tenant_id = %s"
                " AND sequence_id = %s", (self.tenant, self.seq_id))}
            held = [n for i in range(CONNS) for n in self.held[i]]
            assert len(held) == len(set(held)), f"held by two open transactions: {held}"
            # (a COMMIT still running may already show its numbers as committed)
            open_numbers = {n for i in range(CONNS) if not self.committing[i] for n in self.held[i]}
            assert not open_numbers & committed, \
                f"an open transaction holds a committed number: {open_numbers & committed}"

        def teardown(self):
            if not hasattr(self, "seq_id"):
                return
            # end each transaction as soon as its connection is free: a waiting statement
            # may wait for an idle one
            ended = [False] * CONNS
            deadline = time.monotonic() + 30
            while not all(ended) and time.monotonic() < deadline:
                for i in range(CONNS):
                    if not ended[i] and self.free(i):
                        executors[i].submit(conns[i].rollback).result(timeout=30)
                        self.held[i], self.periods[i] = [], []
                        ended[i] = True
                    self.collect(i, 0.05)
            assert all(ended), "a connection never finished: " + str(conn.execute(
                "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid),"
                " left(query, 120) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()").fetchall())
            self.no_number_twice()
            problems = conn.execute("SELECT problem FROM erp.audit_verify(%s)",
                                    (self.tenant,)).fetchall()
            assert problems == [], problems

    run_state_machine_as_test(
        Interleavings,
        settings=settings(max_examples=60, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture]))
    # the machine got somewhere: numbers were issued, changes went through and were refused
    assert seen.get("numbers", 0) > 0 and seen.get("changed", 0) > 0, seen
    # refused too: a format an issued number fits (ZE009) or an invalid one (ZE003); which of
    # the two a run meets depends on its random examples and the threads' timing
    assert seen.get("ZE009", 0) + seen.get("ZE003", 0) > 0, seen
    print(f"\ninterleavings: {dict(sorted(seen.items()))}")
