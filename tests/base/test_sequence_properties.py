"""Hypothesis: any interleaving of allocations (single and batch) over random document dates
on three connections, with commits, rollbacks and peeks, numbers exactly as a tiny model
predicts, and what is committed per period is a contiguous run from the start value.

The three connections run in one thread. A connection that would wait for a counter row held
by another open transaction runs with lock_timeout and must get 55P03 (its transaction is
then rolled back, as the model says); so the interleaving never deadlocks the test and the
lock contract is checked as a side effect."""

from __future__ import annotations

import uuid
from collections import defaultdict
from contextlib import ExitStack
from datetime import date

import psycopg
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import new_tenant

CONNS = 3
ZONE = "Pacific/Auckland"
# around a year boundary, a month boundary, and None = today in the tenant's zone
DATES = (date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 31), date(2025, 2, 1), None)

definitions = st.fixed_dictionaries({
    "reset": st.sampled_from(["never", "yearly", "monthly"]),
    "step": st.integers(1, 3),
    "start_value": st.integers(0, 5),
})
allocation = st.tuples(st.just("alloc"), st.integers(0, CONNS - 1), st.sampled_from(DATES),
                       st.sampled_from([1, 1, 2, 3]))
operations = st.lists(
    st.one_of(  # allocations make up about half of the operations
        allocation, allocation, allocation,
        st.tuples(st.just("commit"), st.integers(0, CONNS - 1)),
        st.tuples(st.just("rollback"), st.integers(0, CONNS - 1)),
        st.tuples(st.just("peek"), st.integers(0, CONNS - 1), st.sampled_from(DATES)),
    ),
    min_size=4, max_size=40,
)


# a format names the periods of its reset policy (else sequence_create refuses it)
PREFIX = {"never": "", "yearly": "{YYYY}/", "monthly": "{YYYY}-{MM}/"}


def period_of(reset: str, d: date) -> str:
    return {"never": "all", "yearly": f"{d:%Y}", "monthly": f"{d:%Y-%m}"}[reset]


class Model:
    """Committed count per period; per open transaction the periods it allocated in (it holds
    their counter rows until it ends) and how many numbers it took there."""

    def __init__(self, start: int, step: int):
        self.start, self.step = start, step
        self.committed: dict[str, int] = defaultdict(int)
        self.pending: list[dict[str, int]] = [defaultdict(int) for _ in range(CONNS)]

    def holder(self, period: str) -> int | None:
        return next((c for c in range(CONNS) if self.pending[c].get(period)), None)

    def next_for(self, c: int, period: str) -> int:
        """What connection c sees as next: the committed state plus its own pending numbers."""
        return self.start + self.step * (self.committed[period] + self.pending[c].get(period, 0))

    def commit(self, c: int) -> None:
        for period, n in self.pending[c].items():
            self.committed[period] += n
        self.pending[c] = defaultdict(int)

    def rollback(self, c: int) -> None:
        self.pending[c] = defaultdict(int)


@settings(max_examples=75, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(definition=definitions, ops=operations)
def test_committed_numbers_are_a_gapless_run_per_period(dsn, conn, definition, ops):
    tenant = new_tenant(conn, "Prop", ZONE)
    code = "P" + uuid.uuid4().hex[:8]
    conn.execute(
        "SELECT erp.sequence_create(%s, NULL, 'SYSTEM', 'prop', %s, %s, p_prefix => %s,"
        " p_step => %s, p_start_value => %s, p_reset => %s)",
        (tenant, code, code, PREFIX[definition["reset"]], definition["step"],
         definition["start_value"], definition["reset"]),
    )
    model = Model(definition["start_value"], definition["step"])
    with ExitStack() as stack:
        conns = [stack.enter_context(psycopg.connect(
            dsn, options="-c lock_timeout=20ms -c statement_timeout=10s")) for _ in range(CONNS)]
        for op in ops:
            c, cx = op[1], conns[op[1]]
            if op[0] in ("alloc", "peek"):
                doc = op[2]
                # the default date is read in the same transaction (same now()) as the call
                today = cx.execute("SELECT (now() AT TIME ZONE %s)::date", (ZONE,)).fetchone()[0]
                period = period_of(definition["reset"], doc or today)
            if op[0] == "peek":
                row = cx.execute("SELECT * FROM erp.sequence_peek(%s, %s, %s)",
                                 (tenant, code, doc)).fetchone()
                expected = model.next_for(c, period)
                assert row[0] == expected, "peek shows the committed (or own pending) next number"
                assert row[1] == expected + model.step and row[3] == period
            elif op[0] == "alloc":
                count = op[3]
                holder = model.holder(period)
                try:
                    if count == 1:
                        rows = cx.execute(
                            "SELECT * FROM erp.sequence_next(%s, NULL, 'SYSTEM', 'prop', %s, %s)",
                            (tenant, code, doc)).fetchall()
                    else:
                        rows = cx.execute(
                            "SELECT * FROM erp.sequence_next_batch(%s, NULL, 'SYSTEM', 'prop', %s,"
                            " %s, %s)", (tenant, code, count, doc)).fetchall()
                except psycopg.errors.LockNotAvailable:
                    event("55P03: the counter row was held by another open transaction")
                    assert holder not in (None, c), "55P03 although nobody else held the row"
                    cx.rollback()
                    model.rollback(c)
                    continue
                assert holder in (None, c), "allocated a row another open transaction holds"
                first = model.next_for(c, period)
                used = "with" if first != model.start else "without"
                event(f"allocation of {count} in a period {used} numbers")
                assert [r[0] for r in rows] == [first + i * model.step for i in range(count)]
                assert {r[3] for r in rows} == {period}
                model.pending[c][period] += count
            elif op[0] == "commit":
                cx.commit()
                model.commit(c)
            else:
                cx.rollback()
                model.rollback(c)
        for c in range(CONNS):
            conns[c].commit()
            model.commit(c)

    events = conn.execute(
        """SELECT e.payload ->> 'period_key', (e.payload ->> 'allocated_value')::bigint
        FROM erp.erp_audit_events AS e JOIN erp.erp_sequences AS s
            ON s.tenant_id = e.tenant_id AND s.id = e.entity_id
        WHERE e.tenant_id = %s AND s.code = %s AND e.event_type = 'erp.base.sequence.allocated'""",
        (tenant, code)).fetchall()
    by_period = defaultdict(list)
    for period, value in events:
        by_period[period].append(value)
    counters = dict(conn.execute(
        """SELECT c.period_key, c.next_value FROM erp.erp_sequence_counters AS c
        JOIN erp.erp_sequences AS s ON s.tenant_id = c.tenant_id AND s.id = c.sequence_id
        WHERE c.tenant_id = %s AND s.code = %s""", (tenant, code)).fetchall())
    committed = {p: n for p, n in model.committed.items() if n}
    assert set(by_period) == set(counters) == set(committed)
    for period, n in committed.items():
        run = [model.start + i * model.step for i in range(n)]
        assert sorted(by_period[period]) == run, f"period {period} is not a gapless run"
        assert counters[period] == model.start + n * model.step
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0
