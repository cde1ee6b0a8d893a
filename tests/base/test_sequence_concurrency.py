"""Gapless sequences across real connections: a 100-connection storm with rollbacks and
terminated backends, and the locking contract (peek never waits, lock_timeout gives 55P03
and allocates nothing, a rolled-back or terminated holder hands its number to the next
caller, definition changes and allocations in any order never deadlock, and no formatted
number is issued twice when a change races a first allocation).

Every cross-connection wait is bounded (lock_timeout / statement_timeout / thread joins), so a
regression fails instead of hanging."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest

from tests.conftest import Storm, new_tenant, wait_until_gone

CTX = (None, "SYSTEM", "test")
GUARD = "-c statement_timeout=60s -c lock_timeout=30s"  # no test waits forever


def create_sequence(conn, tenant, code, **kw):
    cols = ", ".join(f"p_{k} => %({k})s" for k in kw)
    sql = "SELECT * FROM erp.sequence_create(%(t)s, NULL, 'SYSTEM', 'test', %(code)s, %(code)s"
    sql += f", {cols})" if cols else ")"
    return conn.execute(sql, {"t": tenant, "code": code, **kw}).fetchone()


def alloc(conn, tenant, code, doc_date=None):
    """(allocated_value, next_value, formatted, period_key) of one sequence_next."""
    return conn.execute(
        "SELECT * FROM erp.sequence_next(%s, %s, %s, %s, %s, %s)", (tenant, *CTX, code, doc_date)
    ).fetchone()


def alloc_batch(conn, tenant, code, count, doc_date=None):
    return conn.execute(
        "SELECT * FROM erp.sequence_next_batch(%s, %s, %s, %s, %s, %s, %s)",
        (tenant, *CTX, code, count, doc_date),
    ).fetchall()


def peek(conn, tenant, code, doc_date=None):
    return conn.execute(
        "SELECT * FROM erp.sequence_peek(%s, %s, %s)", (tenant, code, doc_date)
    ).fetchone()


def counters(conn, tenant, code):
    """{period_key: (start_value, step, next_value)} of one sequence."""
    rows = conn.execute(
        """SELECT c.period_key, c.start_value, c.step, c.next_value
        FROM erp.erp_sequence_counters AS c JOIN erp.erp_sequences AS s
            ON s.tenant_id = c.tenant_id AND s.id = c.sequence_id
        WHERE c.tenant_id = %s AND s.code = %s""",
        (tenant, code),
    ).fetchall()
    return {p: (start, step, nxt) for p, start, step, nxt in rows}


def allocated_events(conn, tenant, code):
    """[(period_key, allocated_value, formatted)] of every allocated event of one sequence."""
    return conn.execute(
        """SELECT e.payload ->> 'period_key', (e.payload ->> 'allocated_value')::bigint,
            e.payload ->> 'formatted'
        FROM erp.erp_audit_events AS e JOIN erp.erp_sequences AS s
            ON s.tenant_id = e.tenant_id AND s.id = e.entity_id
        WHERE e.tenant_id = %s AND s.code = %s AND e.event_type = 'erp.base.sequence.allocated'""",
        (tenant, code),
    ).fetchall()


def wait_until_blocked(admin, pid, timeout=10.0):
    """Returns once backend `pid` waits for a heavyweight lock (row or transaction lock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.005)
    raise AssertionError(f"backend {pid} never blocked on a lock")


class Background:
    """Runs fn in a thread; .result() re-raises its exception or returns its value."""

    def __init__(self, fn):
        self._value = self._error = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn):
        try:
            self._value = fn()
        except BaseException as exc:  # handed to the test thread
            self._error = exc

    def result(self, timeout=30.0):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "background call did not finish"
        if self._error is not None:
            raise self._error
        return self._value


# ---- the storm ------------------------------------------------------------------------------
THREADS = 100  # fewer when the server has no room for them (at least MIN_THREADS)
MIN_THREADS = 10
ROUNDS = 30
ROLLBACK_RATE = 0.2
BATCH_RATE = 0.1
VICTIMS = 5
DATES = (date(2024, 12, 31), date(2025, 1, 1), None)  # two periods around New Year, and today
START, STEP = 1000, 3


def test_storm_of_allocations_is_gapless_and_audited(conn, dsn, connections):
    """100 connections (fewer, at least 10, on a server without room for them) x 30
    transactions on one yearly sequence (Pacific/Auckland, start 1000, step 3) spread over
    three periods; ~20% roll back, ~10% allocate a batch of 2-4, and 5 backends are
    terminated mid-transaction (some holding the counter row idle in transaction, some
    while queued behind it). Afterwards, per period, the numbers the
    clients saw committed, the allocated events and the counter all agree on exactly
    start, start+step, ..., each once."""
    threads_n = connections(THREADS, MIN_THREADS, extra=1)  # + the killer's connection
    rnd = random.Random(20250101)
    tenant = new_tenant(conn, "Storm", "Pacific/Auckland")
    create_sequence(conn, tenant, "STORM", prefix="{YYYY}-", padding=6, step=STEP,
                    start_value=START, reset="yearly")
    victims = {(t, r): ("holding" if i % 2 == 0 else "queued")
               for i, (t, r) in enumerate(rnd.sample(
                   [(t, r) for t in range(threads_n) for r in range(1, ROUNDS - 1)], VICTIMS))}

    committed: list[tuple[str, int, str]] = []   # what clients saw committed
    storm = Storm(dsn, threads_n)
    lock = storm.lock
    stats = Counter()

    def worker(t: int):
        wrnd = random.Random(t)
        c = psycopg.connect(dsn, options=GUARD)
        try:
            storm.barrier.wait()
            for r in range(ROUNDS):
                doc_date = wrnd.choice(DATES)
                count = wrnd.randint(2, 4) if wrnd.random() < BATCH_RATE else 1
                victim = victims.get((t, r))
                if victim:
                    c = be_killed(c, victim, doc_date)
                    continue
                rows = (alloc_batch(c, tenant, "STORM", count, doc_date) if count > 1
                        else [alloc(c, tenant, "STORM", doc_date)])
                if wrnd.random() < ROLLBACK_RATE:
                    c.rollback()
                    with lock:
                        stats["rolled_back_tx"] += 1
                        stats["rolled_back_numbers"] += len(rows)
                else:
                    c.commit()
                    with lock:
                        stats["committed_tx"] += 1
                        committed.extend((p, v, f) for v, _n, f, p in rows)
        finally:
            c.close()

    def be_killed(c, how: str, doc_date):
        """Allocate, get terminated before COMMIT, reconnect. Nothing of it may survive."""
        pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]
        c.rollback()
        done = None
        error = None
        try:
            c.execute("SELECT pg_current_xact_id()")  # the transaction is open from here on
            if how == "queued":
                done = storm.kill(pid)  # may hit us while we wait for the row
            alloc(c, tenant, "STORM", doc_date)
            if how == "holding":
                done = storm.kill(pid)  # we hold the counter row, idle in transaction
            assert done.wait(30), "the killer did not come"
            c.commit()
        except psycopg.OperationalError as exc:
            error = exc
        if error is None:
            raise AssertionError("a terminated transaction committed")
        if done is not None:
            done.wait(30)
        with lock:
            stats[f"terminated_{how}"] += 1
        c.close()
        return psycopg.connect(dsn, options=GUARD)

    elapsed = storm.run(worker)

    # ---- the invariants ------------------------------------------------------------------
    assert stats["terminated_holding"] + stats["terminated_queued"] == VICTIMS
    assert stats["rolled_back_tx"] > 0 and stats["committed_tx"] > 0
    by_client = defaultdict(list)
    for p, v, _f in committed:
        by_client[p].append(v)
    events = allocated_events(conn, tenant, "STORM")
    by_event = defaultdict(list)
    for p, v, _f in events:
        by_event[p].append(v)
    ctr = counters(conn, tenant, "STORM")
    today_year = conn.execute(
        "SELECT to_char((now() AT TIME ZONE 'Pacific/Auckland')::date, 'YYYY')").fetchone()[0]
    assert set(ctr) == {"2024", "2025", today_year}
    assert set(by_client) == set(by_event) == set(ctr)
    for period, (start, step, next_value) in ctr.items():
        expected = list(range(START, next_value, STEP))
        assert (start, step) == (START, STEP)
        assert sorted(by_client[period]) == expected, f"clients' committed numbers of {period}"
        assert sorted(by_event[period]) == expected, f"allocated events of {period}"
    assert Counter(events) == Counter(committed), "events and clients disagree on formatted numbers"
    assert len({f for _p, _v, f in events}) == len(events), "a formatted number was issued twice"
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0
    print(f"\nstorm: {len(committed)} numbers committed in {stats['committed_tx']} transactions, "
          f"{stats['rolled_back_tx']} rolled back, {VICTIMS} terminated, {elapsed:.2f} s: "
          f"{len(committed) / elapsed:.0f} committed numbers/s, "
          f"{(stats['committed_tx'] + stats['rolled_back_tx']) / elapsed:.0f} transactions/s")


# ---- locking contract -----------------------------------------------------------------------
@pytest.fixture
def seq(conn, tenant):
    """Sequence SEQ in `tenant` with 1 and 2 issued and committed; returns (tenant, code)."""
    create_sequence(conn, tenant, "SEQ", prefix="S{YY}-", reset="yearly")
    for _ in range(2):
        alloc(conn, tenant, "SEQ", date(2025, 6, 1))
    return tenant, "SEQ"


@pytest.mark.parametrize("period", ["existing", "new"])
def test_peek_never_waits_and_a_second_allocator_times_out(conn, dsn, seq, period):
    """While a transaction holds the counter row (or has just created it), a peek from another
    connection returns the committed state at once, although lock_timeout is 200 ms; a second
    allocator hits lock_timeout with 55P03 and allocates nothing."""
    tenant, code = seq
    doc = date(2025, 6, 1) if period == "existing" else date(2026, 6, 1)
    before_events = allocated_events(conn, tenant, code)
    with psycopg.connect(dsn, options=GUARD) as holder, \
            psycopg.connect(dsn, autocommit=True) as other:
        held = alloc(holder, tenant, code, doc)
        assert held[0] == (3 if period == "existing" else 1)
        other.execute("SET lock_timeout = '200ms'")
        shown = peek(other, tenant, code, doc)
        assert shown[0] == held[0], "peek shows the committed next number, not the pending one"
        with pytest.raises(psycopg.errors.LockNotAvailable) as err:
            alloc(other, tenant, code, doc)
        assert err.value.sqlstate == "55P03"
        assert peek(holder, tenant, code, doc)[0] == held[0] + 1, "the holder sees its own number"
        holder.rollback()
    assert allocated_events(conn, tenant, code) == before_events
    assert counters(conn, tenant, code) == {"2025": (1, 1, 3)}


@pytest.mark.parametrize("ending", ["rollback", "terminate"])
def test_holder_that_does_not_commit_hands_its_number_to_the_waiter(conn, dsn, seq, ending):
    tenant, code = seq
    doc = date(2025, 6, 1)
    with psycopg.connect(dsn, options=GUARD) as holder, \
            psycopg.connect(dsn, options=GUARD) as waiter:
        holder_pid = holder.execute("SELECT pg_backend_pid()").fetchone()[0]
        waiter_pid = waiter.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert alloc(holder, tenant, code, doc)[0] == 3
        pending = Background(lambda: alloc(waiter, tenant, code, doc))
        wait_until_blocked(conn, waiter_pid)
        if ending == "rollback":
            holder.rollback()
        else:
            assert conn.execute("SELECT pg_terminate_backend(%s)", (holder_pid,)).fetchone()[0]
            wait_until_gone(conn, holder_pid)
            holder.close()  # its server process is gone; nothing left to roll back
        assert pending.result()[0] == 3, "the waiter gets the number the holder gave back"
        waiter.commit()
    assert sorted(v for _p, v, _f in allocated_events(conn, tenant, code)) == [1, 2, 3]
    assert counters(conn, tenant, code) == {"2025": (1, 1, 4)}


def update(c, tenant, seq_id, patch: str):
    return c.execute("SELECT (erp.sequence_update(%s, NULL, 'SYSTEM', 't', %s, %s)).version",
                     (tenant, seq_id, patch)).fetchone()[0]


PATCHES = ['{"padding": 4}', '{"prefix": "Q{YY}-"}', '{"code": "RENAMED"}', '{"step": 2}']


@contextlib.contextmanager
def yearly_dl(conn, dsn, tenant) -> Iterator[tuple]:
    """A yearly sequence DL and two sessions, T1 (its backend pid known) and T2: the id, T1,
    T1's pid, T2."""
    seq_id = create_sequence(conn, tenant, "DL", prefix="D{YYYY}-", reset="yearly")[1]
    with psycopg.connect(dsn, options=GUARD) as t1, psycopg.connect(dsn, options=GUARD) as t2:
        t1_pid = t1.execute("SELECT pg_backend_pid()").fetchone()[0]
        t1.commit()
        yield seq_id, t1, t1_pid, t2


@pytest.mark.parametrize("ending", ["commit", "rollback"])
@pytest.mark.parametrize("patch", PATCHES)
def test_change_then_allocation_in_one_transaction_against_a_first_allocation(
        conn, dsn, tenant, patch, ending):
    """T1 changes the definition and then allocates in a new period in the same transaction;
    T2 allocates the first number of that period in between. T2 must not wait for T1 (no lock
    on the sequence row: not the recheck's, not a foreign key's), T1 waits for T2's counter
    row, and nobody gets 40P01 (it deadlocked when the recheck took FOR SHARE)."""
    code_after = "RENAMED" if "code" in patch else "DL"
    with yearly_dl(conn, dsn, tenant) as (seq_id, t1, t1_pid, t2):
        update(t1, tenant, seq_id, patch)
        first = Background(lambda: alloc(t2, tenant, "DL", date(2026, 3, 1)))
        assert first.result(timeout=10)[0] == 1, "the first allocation did not wait for the change"
        pending = Background(lambda: alloc(t1, tenant, code_after, date(2026, 3, 2)))
        wait_until_blocked(conn, t1_pid)
        getattr(t2, ending)()
        got = pending.result()
        t1.commit()
    assert got[0] == (2 if ending == "commit" else 1)
    events = allocated_events(conn, tenant, code_after)
    assert len({f for _p, _v, f in events}) == len(events)
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0


@pytest.mark.parametrize("patch", PATCHES)
def test_first_allocation_then_change_then_allocation(conn, dsn, tenant, patch):
    """The other order: T2's first number of a period is open; T1's change does not wait for it
    (it waited for the recheck's share lock before), T1's allocation in that period waits for
    T2's counter row, and both commit."""
    code_after = "RENAMED" if "code" in patch else "DL"
    with yearly_dl(conn, dsn, tenant) as (seq_id, t1, t1_pid, t2):
        assert alloc(t2, tenant, "DL", date(2026, 3, 1))[0] == 1
        change = Background(lambda: update(t1, tenant, seq_id, patch))
        assert change.result(timeout=10) == 2, "the change did not wait for the open first number"
        pending = Background(lambda: alloc(t1, tenant, code_after, date(2026, 3, 2)))
        wait_until_blocked(conn, t1_pid)
        t2.commit()
        got = pending.result()
        t1.commit()
    # the period keeps the series its counter row copied from the definition T2 read
    assert got[0] == 2
    assert counters(conn, tenant, code_after) == {"2026": (1, 1, 3)}
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0


def test_prefix_change_racing_a_first_allocation_never_repeats_a_number(conn, dsn, tenant):
    """Prefix A-1 becomes A- while the first number is being allocated: the first number is
    A-11 (number 1 under A-1); ten numbers later the counter reaches 11, whose A-11 the ledger
    refuses with ZE009 (it was issued twice when only step, start and reset were rechecked)."""
    row = create_sequence(conn, tenant, "A", prefix="A-1", padding=0)
    seq_id = row[1]
    with psycopg.connect(dsn, options=GUARD) as t1, psycopg.connect(dsn, options=GUARD) as t2:
        update(t1, tenant, seq_id, '{"prefix": "A-"}')
        first = Background(lambda: alloc(t2, tenant, "A"))
        time.sleep(0.2)  # the allocation reads the old prefix, waiting or not
        t1.commit()
        assert first.result()[2] == "A-11"
        t2.commit()
    got = [alloc(conn, tenant, "A")[2] for _ in range(9)]
    assert got == [f"A-{n}" for n in range(2, 11)]
    with pytest.raises(psycopg.Error) as err:
        alloc(conn, tenant, "A")
    assert err.value.sqlstate == "ZE009"
    assert "'A-11'" in err.value.diag.message_primary
    assert counters(conn, tenant, "A") == {"all": (1, 1, 11)}, "the refusal allocated nothing"
    formatted = [f for _p, _v, f in allocated_events(conn, tenant, "A")]
    assert sorted(formatted) == sorted(["A-11"] + got)
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_first_numbers_of_two_centuries_at_once(conn, dsn, tenant, ending):
    """X{YY}- prints X26-00001 in 2026 and in 2126. Both first numbers at once: neither sees
    the other's counter row, but the second waits on the first's ledger row, and gets ZE009
    if the first commits, or the number if it rolls back."""
    create_sequence(conn, tenant, "X", prefix="X{YY}-", reset="yearly")
    with psycopg.connect(dsn, options=GUARD) as t1, psycopg.connect(dsn, options=GUARD) as t2:
        t2_pid = t2.execute("SELECT pg_backend_pid()").fetchone()[0]
        t2.commit()
        assert alloc(t1, tenant, "X", date(2026, 5, 1))[2] == "X26-00001"
        pending = Background(lambda: alloc(t2, tenant, "X", date(2126, 5, 1)))
        wait_until_blocked(conn, t2_pid)
        getattr(t1, ending)()
        if ending == "commit":
            with pytest.raises(psycopg.Error) as err:
                pending.result()
            assert err.value.sqlstate == "ZE009"
            t2.rollback()
            assert counters(conn, tenant, "X") == {"2026": (1, 1, 2)}
        else:
            assert pending.result()[2] == "X26-00001"
            t2.commit()
            assert counters(conn, tenant, "X") == {"2126": (1, 1, 2)}
    formatted = [f for _p, _v, f in allocated_events(conn, tenant, "X")]
    assert formatted == ["X26-00001"]
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0


def test_repeatable_read_allocators_serialize_with_40001(conn, dsn, seq):
    """Documented behaviour: under REPEATABLE READ a caller that waited for the counter row of
    a committed allocation cannot update it (40001) and must retry; READ COMMITTED (the
    default) just waits and gets the next number."""
    tenant, code = seq
    with psycopg.connect(dsn, options=GUARD) as first, \
            psycopg.connect(dsn, options=GUARD) as second:
        second_pid = second.execute("SELECT pg_backend_pid()").fetchone()[0]
        second.commit()
        for c in (first, second):
            c.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        assert alloc(first, tenant, code, date(2025, 6, 1))[0] == 3
        pending = Background(lambda: alloc(second, tenant, code, date(2025, 6, 1)))
        wait_until_blocked(conn, second_pid)
        first.commit()
        with pytest.raises(psycopg.errors.SerializationFailure):
            pending.result()
        second.rollback()
        assert alloc(second, tenant, code, date(2025, 6, 1))[0] == 4
        second.commit()
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0



def test_allocation_then_change_against_change_then_allocation(conn, dsn, tenant):
    """T1 changes the definition (holds the sequence row); T2 allocates and then changes the
    definition too; T1 then allocates in T2's period. Waiting would close a cycle (T2 for the
    sequence row, T1 for T2's counter row): T2's change fails at once with 40001 (its failed
    transaction releases its locks), and T1 gets the number T2 gave back."""
    row = create_sequence(conn, tenant, "DL", prefix="D{YYYY}-", reset="yearly")
    seq_id = row[1]
    with psycopg.connect(dsn, options=GUARD) as t1, psycopg.connect(dsn, options=GUARD) as t2:
        update(t1, tenant, seq_id, '{"padding": 4}')
        assert alloc(t2, tenant, "DL", date(2026, 3, 1))[0] == 1
        change = Background(lambda: update(t2, tenant, seq_id, '{"name": "second change"}'))
        with pytest.raises(psycopg.errors.SerializationFailure) as err:
            change.result(timeout=10)
        assert err.value.sqlstate == "40001"
        assert alloc(t1, tenant, "DL", date(2026, 3, 2))[2] == "D2026-0001"
        t2.rollback()
        t1.commit()
    assert counters(conn, tenant, "DL") == {"2026": (1, 1, 2)}
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0


def test_a_change_after_allocating_waits_for_nobody_when_the_sequence_is_free(conn, dsn, tenant):
    """The 40001 above is only for a sequence row another transaction holds: allocating and
    then changing the definition in one transaction works when nobody else changes it."""
    row = create_sequence(conn, tenant, "FREE", prefix="F-")
    with psycopg.connect(dsn, options=GUARD) as c:
        assert alloc(c, tenant, "FREE")[2] == "F-00001"
        assert update(c, tenant, row[1], '{"prefix": "G-"}') == 2
        assert alloc(c, tenant, "FREE")[2] == "G-00002"
        c.commit()
