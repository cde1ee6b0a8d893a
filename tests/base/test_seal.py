"""Sealing under load, across real connections (DESIGN "Tamper evidence").

50 writer threads (one connection each, started together by a barrier) commit and roll back
short transactions on one tenant; in the second half of the run two sealer threads call
erp.audit_seal on it in a loop, so two sealers often run at once. Deterministically, in the
middle of the run:

* a "late" transaction writes before a seal and commits after it: the seal that ran while it
  was open left it out (and stopped below it), a later run seals it;
* a sealer that holds the head (its transaction open) makes a second sealer return at once
  with no block (SKIP LOCKED, no waiting), and a writer commits meanwhile without waiting.

After the writers stop and a final seal, every committed event of the tenant is in exactly one
block, no event of a rolled-back transaction is in any block, the head counts them all and
erp.audit_seal_verify is clean. The writers' throughput without and with the sealers running
is printed (not asserted: timing is for benchmarks)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter

import psycopg

from tests.conftest import new_tenant

WRITERS = 50
MIN_WRITERS = 8
ROUNDS = 12  # per writer and phase (phase 1 without sealers, phase 2 with two of them)
ROLLBACK_RATE = 0.25
GUARD = "-c statement_timeout=60s -c lock_timeout=30s"  # no test waits forever
EXTRA = 8  # sealers, the late transaction, the head holder, the second sealer, spare


def own_event_ids(c: psycopg.Connection, tenant: uuid.UUID) -> list[uuid.UUID]:
    """The ids of the events the connection's open transaction wrote for the tenant."""
    return [r[0] for r in c.execute(
        "SELECT e.id FROM erp.erp_audit_events AS e"
        " WHERE e.tenant_id = %s AND e.xact_id = pg_current_xact_id()", (tenant,))]


def write(c: psycopg.Connection, tenant: uuid.UUID, code: str) -> None:
    c.execute("SELECT erp.uom_category_create(%s, NULL, 'SYSTEM', 'seal-test', %s, %s)",
              (tenant, code, f"category {code}"))


def seal(c: psycopg.Connection, tenant: uuid.UUID) -> list[tuple[int, int]]:
    return [(b, n) for b, n in c.execute(
        "SELECT s.block_no, s.events FROM erp.audit_seal(%s) AS s", (tenant,))]


def sealed_ids(c: psycopg.Connection, tenant: uuid.UUID) -> list[uuid.UUID]:
    return [r[0] for r in c.execute(
        "SELECT u.id FROM erp.erp_audit_seals AS b CROSS JOIN LATERAL unnest(b.event_ids) AS u (id)"
        " WHERE b.tenant_id = %s", (tenant,))]


def head(c: psycopg.Connection, tenant: uuid.UUID) -> tuple:
    return c.execute(
        "SELECT h.block_no, h.through_xact::text::bigint, h.events"
        " FROM erp.erp_audit_seal_heads AS h WHERE h.tenant_id = %s", (tenant,)).fetchone()


def test_sealing_while_writers_commit_and_roll_back(conn, dsn, connections):
    writers = connections(WRITERS, MIN_WRITERS, EXTRA)
    tenant = new_tenant(conn, "Sealed")
    assert seal(conn, tenant) == [(1, 1)]  # the tenant's created event; the head row exists now

    lock = threading.Lock()
    committed: set[uuid.UUID] = set()
    rolled_back: set[uuid.UUID] = set()
    failures: list[BaseException] = []
    elapsed: dict[int, float] = {}
    tx_count = Counter()
    seal_calls = Counter()
    phase_start = [threading.Barrier(writers + 1, timeout=60) for _ in range(2)]
    phase_end = [threading.Barrier(writers + 1, timeout=120) for _ in range(2)]
    half_way = threading.Event()
    stop_sealing = threading.Event()

    def writer(t: int) -> None:
        rnd = random.Random(t)
        try:
            with psycopg.connect(dsn, options=GUARD) as c:
                for phase in (1, 2):
                    phase_start[phase - 1].wait()
                    for r in range(ROUNDS):
                        for k in range(rnd.randint(1, 3)):
                            write(c, tenant, f"W{t}-{phase}-{r}-{k}")
                        ids = own_event_ids(c, tenant)
                        if rnd.random() < ROLLBACK_RATE:
                            c.rollback()
                            with lock:
                                rolled_back.update(ids)
                                tx_count[f"rolled_back_{phase}"] += 1
                        else:
                            c.commit()
                            with lock:
                                committed.update(ids)
                                tx_count[f"committed_{phase}"] += 1
                        if phase == 2 and r == ROUNDS // 2:
                            half_way.set()
                    phase_end[phase - 1].wait()
        except BaseException as exc:
            with lock:
                failures.append(exc)
            for b in (*phase_start, *phase_end):
                b.abort()

    def sealer(name: str) -> None:
        try:
            with psycopg.connect(dsn, autocommit=True, options=GUARD) as c:
                while not stop_sealing.is_set():
                    blocks = seal(c, tenant)
                    with lock:
                        seal_calls[name] += 1
                        seal_calls[f"{name}_with_blocks"] += bool(blocks)
                    time.sleep(0.005)
        except BaseException as exc:
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=writer, args=(t,), daemon=True) for t in range(writers)]
    for th in threads:
        th.start()

    # ---- phase 1: writers alone ------------------------------------------------------------------
    phase_start[0].wait()
    started = time.perf_counter()
    phase_end[0].wait()
    elapsed[1] = time.perf_counter() - started

    # ---- phase 2: writers with two sealers; the late commit; a held head ------------------------
    sealers = [threading.Thread(target=sealer, args=(n,), daemon=True) for n in ("s1", "s2")]
    for th in sealers:
        th.start()
    with psycopg.connect(dsn, options=GUARD) as late, \
            psycopg.connect(dsn, options=GUARD) as holder, \
            psycopg.connect(dsn, autocommit=True, options=GUARD) as other:
        write(late, tenant, "LATE")  # the late transaction writes early ...
        late_ids = own_event_ids(late, tenant)
        late_xact = late.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        assert len(late_ids) == 1

        phase_start[1].wait()
        started = time.perf_counter()
        assert half_way.wait(60), "the writers did not get half-way"

        # seals while the late transaction is open (phase 1's events, all below it, get sealed)
        # stop below it; a call may find the head held by a sealer thread: retry (bounded)
        deadline = time.monotonic() + 60
        while head(other, tenant)[0] < 2:
            assert time.monotonic() < deadline, "no seal completed in phase 2"
            seal(other, tenant)
            time.sleep(0.01)
        _block_no, through_xact, _events = head(other, tenant)
        assert through_xact < late_xact, "a seal went past a transaction still open"
        assert not set(late_ids) & set(sealed_ids(other, tenant)), \
            "an open transaction's event was sealed"

        # a sealer holding the head: a second one returns at once with nothing, a writer commits
        # (the holder's transaction stays open and holds the head row; if its seal found the row
        # held by a sealer thread, the FOR UPDATE waits for that one and takes it)
        seal(holder, tenant)
        holder.execute("SELECT 1 FROM erp.erp_audit_seal_heads AS h"
                       " WHERE h.tenant_id = %s FOR UPDATE", (tenant,))
        t0 = time.perf_counter()
        with other.transaction():
            other.execute("SET LOCAL lock_timeout = '2s'")
            assert seal(other, tenant) == [], "a second sealer sealed while another held the head"
        skipped_after = time.perf_counter() - t0
        with other.transaction():
            other.execute("SET LOCAL lock_timeout = '2s'")
            write(other, tenant, "DURING-HOLD")
            committed.update(own_event_ids(other, tenant))
        holder.commit()

        late.commit()  # ... and commits after seals ran
        committed.update(late_ids)

    phase_end[1].wait()
    elapsed[2] = time.perf_counter() - started
    stop_sealing.set()
    for th in (*threads, *sealers):
        th.join(timeout=60)
    assert not failures, failures[:3]
    assert not any(th.is_alive() for th in (*threads, *sealers)), "a thread hung"

    # ---- after a final seal (repeated while a transaction elsewhere holds the horizon back) ----
    db_events = {r[0] for r in conn.execute(
        "SELECT e.id FROM erp.erp_audit_events AS e WHERE e.tenant_id = %s", (tenant,))}
    deadline = time.monotonic() + 60
    seal(conn, tenant)
    while head(conn, tenant)[2] < len(db_events) and time.monotonic() < deadline:
        time.sleep(0.05)
        seal(conn, tenant)
    in_blocks = Counter(sealed_ids(conn, tenant))
    assert tx_count["rolled_back_1"] + tx_count["rolled_back_2"] > 0
    assert rolled_back and committed
    assert committed <= db_events, "a committed event is missing from the trail"
    assert not rolled_back & db_events, "a rolled-back event is in the trail"
    assert set(in_blocks) == db_events, "the blocks do not hold exactly the committed events"
    assert max(in_blocks.values()) == 1, "an event is in two blocks"
    assert not rolled_back & set(in_blocks), "a rolled-back event was sealed"
    assert in_blocks[late_ids[0]] == 1, "the late commit was skipped"
    _block_no, through_xact, head_events = head(conn, tenant)
    assert head_events == len(db_events)
    assert through_xact >= late_xact
    problems = conn.execute("SELECT * FROM erp.audit_seal_verify(%s)", (tenant,)).fetchall()
    assert problems == []
    assert seal(conn, tenant) == [], "a seal with nothing new wrote a block"
    assert seal_calls["s1"] + seal_calls["s2"] > 0

    rates = {p: (tx_count[f"committed_{p}"] + tx_count[f"rolled_back_{p}"]) / elapsed[p]
             for p in (1, 2)}
    print(f"\nseal under load: {writers} writers, {len(db_events)} events sealed in "
          f"{head(conn, tenant)[0]} blocks; writer transactions/s without sealers "
          f"{rates[1]:.0f}, with two sealers {rates[2]:.0f} ({rates[2] / rates[1]:.2f}x); "
          f"seal calls {dict(seal_calls)}; a second sealer skipped a held head in "
          f"{skipped_after * 1000:.1f} ms")
