"""50 real connections (fewer, at least 8, on a server without room for them) update the
same entity at once, with random rollbacks and some optimistic (p_expected_version) updates;
afterwards the trail must be exact:

* entity versions 1..n without gaps or repeats, one per committed change, in time order;
* each event's changes.old equals the previous snapshot (so the previous event's changes.new);
* replaying the events from the created snapshot reproduces the final row;
* nothing of a rolled-back or refused (ZE004) transaction is visible;
* erp.audit_verify reports nothing.

Half of the workers go through the generic writer (erp.atomic_update_with_audit, superuser
as a module author would), half through erp.sequence_update as erp_app."""

from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg.types.json import Jsonb

from tests.conftest import sequence_snapshot

WORKERS = 50  # fewer when the server has no room for them (at least MIN_WORKERS)
MIN_WORKERS = 8
ROUNDS = 4
ROLLBACK_RATE = 0.3
OPTIMISTIC_RATE = 0.25


def _update(conn: psycopg.Connection, generic: bool, tenant: uuid.UUID, entity: uuid.UUID,
            patch: dict, expected: int | None) -> dict:
    if generic:
        sql = ("SELECT erp.atomic_update_with_audit(%s, NULL, 'SYSTEM', 'concurrency',"
               " 'erp.base.sequence', %s, %s, %s)")
    else:
        sql = ("SELECT to_jsonb(erp.sequence_update(%s, NULL, 'SYSTEM', 'concurrency', %s, %s,"
               " %s))")
    return conn.execute(sql, (tenant, entity, Jsonb(patch), expected)).fetchone()[0]


def test_concurrent_updates_keep_an_exact_trail(conn, dsn, tenant, connections):
    workers = connections(WORKERS, MIN_WORKERS)
    created = conn.execute(
        "SELECT erp.atomic_insert_with_audit(%s, NULL, 'SYSTEM', 'concurrency',"
        " 'erp.base.sequence', '{\"code\": \"HOT\", \"name\": \"start\"}')",
        (tenant,),
    ).fetchone()[0]
    entity = uuid.UUID(created["id"])

    barrier = threading.Barrier(workers, timeout=60)
    lock = threading.Lock()
    committed: list[tuple[str, int]] = []  # (name, returned version)
    discarded: list[str] = []  # names of rolled-back or refused updates
    conflicts = 0

    def worker(i: int) -> None:
        nonlocal conflicts
        rng = random.Random(i)
        generic = i % 2 == 0
        with psycopg.connect(dsn) as c:
            if not generic:
                c.execute("SET ROLE erp_app")
                c.commit()
            barrier.wait()
            for k in range(ROUNDS):
                name = f"w{i:02d}-r{k}"
                patch = {"name": name}
                if rng.random() < 0.3:
                    patch["padding"] = rng.randint(1, 9)
                if rng.random() < 0.2:
                    patch["prefix"] = rng.choice(["", "A-", "B-{YYYY}-"])
                expected = None
                if rng.random() < OPTIMISTIC_RATE:  # read, think, then write if still current
                    expected = c.execute(
                        "SELECT (erp.sequence_get(%s, %s)).version", (tenant, entity)
                    ).fetchone()[0]
                    c.commit()
                    time.sleep(rng.random() * 0.002)
                try:
                    row = _update(c, generic, tenant, entity, patch, expected)
                except psycopg.Error as exc:
                    assert exc.sqlstate == "ZE004", exc
                    c.rollback()
                    with lock:
                        conflicts += 1
                        discarded.append(name)
                    continue
                assert row["name"] == name
                time.sleep(rng.random() * 0.002)  # hold the row lock a little
                if rng.random() < ROLLBACK_RATE:
                    c.rollback()
                    with lock:
                        discarded.append(name)
                else:
                    c.commit()
                    with lock:
                        committed.append((name, row["version"]))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(worker, i) for i in range(workers)]:
            future.result()

    assert len(committed) + len(discarded) == workers * ROUNDS
    assert committed, "no update committed"
    assert discarded, "no rollback happened: the test did not exercise rollbacks"

    events = conn.execute(
        "SELECT e.entity_version, e.event_type, e.payload, e.changes, e.created_at"
        " FROM erp.erp_audit_events AS e"
        " WHERE e.tenant_id = %s AND e.entity_id = %s ORDER BY e.entity_version",
        (tenant, entity),
    ).fetchall()
    row = sequence_snapshot(conn, tenant, entity)
    n = len(events)

    # versions 1..n, contiguous, one per committed change, in time order
    assert [e[0] for e in events] == list(range(1, n + 1))
    assert n == 1 + len(committed)
    assert sorted(v for _, v in committed) == list(range(2, n + 1))
    assert row["version"] == n
    assert [e[1] for e in events] == ["erp.base.sequence.created"] + [
        "erp.base.sequence.updated"
    ] * (n - 1)
    assert all(a[4] < b[4] for a, b in zip(events, events[1:], strict=False))

    # only committed names are visible, each exactly once
    names = [e[2]["name"] for e in events[1:]]
    assert sorted(names) == sorted(name for name, _ in committed)
    assert not set(names) & set(discarded)

    # each event's changes lead from the previous snapshot to its own
    for prev, cur in zip(events, events[1:], strict=False):
        changes = cur[3]
        assert changes, f"version {cur[0]} recorded no change"
        assert changes["name"]["old"] == prev[2]["name"]
        if prev[3] is not None:
            assert changes["name"]["old"] == prev[3]["name"]["new"]
        for key, change in changes.items():
            assert change["old"] == prev[2][key], (cur[0], key)
            assert change["new"] == cur[2][key], (cur[0], key)
            assert change["old"] != change["new"], (cur[0], key)

    # replaying the events reproduces the final row
    state = dict(events[0][2])
    for event in events[1:]:
        for key, change in event[3].items():
            state[key] = change["new"]
    bookkeeping = ("version", "updated_at")
    assert {k: v for k, v in state.items() if k not in bookkeeping} == {
        k: v for k, v in row.items() if k not in bookkeeping
    }
    assert events[-1][2] == row

    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0
