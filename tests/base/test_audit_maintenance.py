"""Maintenance of the partitioned audit trail under concurrency and faults.

* two ``erp.audit_maintain()`` at once: no error, the second finds nothing to do;
* ``audit_maintain`` creating and draining partitions in a loop while 20 connections write:
  no writer fails, the data stays exact (the longest writer statement is printed, not
  asserted: timing belongs to the benchmarks);
* a purge whose backend is terminated while it waits to detach: nothing purged, nothing
  recorded; run again, it purges;
* a write into a month without a partition lands in the default partition and
  ``audit_maintain`` moves it, ids, transaction ids and writers kept."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import Counter

import psycopg
from psycopg.types.json import Jsonb

from tests.conftest import new_tenant

UTC = dt.timezone.utc
MAINTAIN = "SELECT m.partition, m.action FROM erp.audit_maintain() AS m"


def insert_old(conn: psycopg.Connection, tenant: uuid.UUID, at: dt.datetime,
               extra: dict | None = None) -> uuid.UUID:
    """An event at ``at``, inserted directly (superuser); ``extra`` sets more columns."""
    cols = {"tenant_id": tenant, "actor_type": "SYSTEM", "entity_type": "erp.base.legacy_note",
            "entity_id": uuid.uuid4(), "event_type": "erp.base.legacy_note.noted",
            "payload": Jsonb({"at": at.isoformat()}), "created_at": at, **(extra or {})}
    names = ", ".join(cols)
    marks = ", ".join(["%s"] * len(cols))
    return conn.execute(
        f"INSERT INTO erp.erp_audit_events (id, {names})"  # noqa: S608 (fixed column names)
        f" VALUES (erp._uuid_v7_at(%s), {marks}) RETURNING id", (at, *cols.values())
    ).fetchone()[0]


def where(conn: psycopg.Connection, event_id: uuid.UUID) -> str:
    return conn.execute("SELECT tableoid::regclass::text FROM erp.erp_audit_events WHERE id = %s",
                        (event_id,)).fetchone()[0]


def waiting_on_lock(observer: psycopg.Connection, pid: int) -> bool:
    row = observer.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                           (pid,)).fetchone()
    return bool(row) and row[0] == "Lock"


def test_two_maintains_at_once_the_second_does_nothing(dsn, conn, tenant):
    old = insert_old(conn, tenant, dt.datetime(2014, 5, 6, 7, 8, tzinfo=UTC))
    barrier = threading.Barrier(2, timeout=30)
    pids: dict[int, int] = {}
    done = {0: threading.Event(), 1: threading.Event()}
    results: dict[int, list] = {}
    saw_other_waiting: dict[int, bool] = {}
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            with psycopg.connect(dsn) as c, psycopg.connect(dsn, autocommit=True) as observer:
                pids[i] = c.info.backend_pid
                barrier.wait()
                results[i] = c.execute(MAINTAIN).fetchall()
                done[i].set()
                # keep the transaction open until the other one is either finished or queued
                # behind it: the two runs really overlap
                saw_other_waiting[i] = False
                deadline = time.monotonic() + 30
                while not done[1 - i].is_set() and time.monotonic() < deadline:
                    if waiting_on_lock(observer, pids[1 - i]):
                        saw_other_waiting[i] = True
                        break
                    time.sleep(0.01)
                c.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            done[i].set()

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    winner = 0 if results[0] else 1
    assert saw_other_waiting[winner] is True  # the loser queued on the winner's row lock
    assert results[1 - winner] == []
    assert ("erp.erp_audit_events_p2014_05", "created") in results[winner]
    assert ("erp.erp_audit_events_default", "drained (1 events moved)") in results[winner]
    assert where(conn, old) == "erp.erp_audit_events_p2014_05"
    assert conn.execute(MAINTAIN).fetchall() == []


def test_maintenance_during_heavy_writes(dsn, conn, connections):
    writers, seconds = connections(20, minimum=4, extra=1), 2.0  # extra: the maintainer
    tenants = [new_tenant(conn, f"Load {i}") for i in range(4)]
    for i in range(writers):
        if i % 2:
            conn.execute("SELECT erp.sequence_create(%s, NULL, 'SYSTEM', 'load', %s, 'Load')",
                         (tenants[i % 4], f"S{i}"))
    stop = threading.Event()
    start = threading.Barrier(writers + 1, timeout=60)
    lock = threading.Lock()
    errors: list[str] = []
    calls: Counter = Counter()  # (tenant, kind) -> successful calls
    longest = [0.0]
    maintained: list[list[tuple[str, str]]] = []
    old_ids: dict[uuid.UUID, str] = {}

    def writer(i: int) -> None:
        tenant = tenants[i % 4]
        try:
            with psycopg.connect(dsn, autocommit=True) as c:
                c.execute("SET ROLE erp_app")  # the way the application writes
                start.wait()
                k = 0
                while not stop.is_set():
                    t0 = time.perf_counter()
                    if i % 2:
                        c.execute("SELECT erp.sequence_next(%s, NULL, 'SYSTEM', 'load', %s)",
                                  (tenant, f"S{i}"))
                        kind = "number"
                    else:
                        c.execute("SELECT erp.uom_category_create(%s, NULL, 'SYSTEM', 'load',"
                                  " %s, 'Load')", (tenant, f"W{i}-{k}"))
                        kind = "category"
                    elapsed = time.perf_counter() - t0
                    k += 1
                    with lock:
                        calls[tenant, kind] += 1
                        longest[0] = max(longest[0], elapsed)
        except Exception as exc:  # noqa: BLE001 - every writer error fails the test
            with lock:
                errors.append(f"writer {i}: {exc!r}")

    def maintainer() -> None:
        try:
            with psycopg.connect(dsn, autocommit=True) as m:
                start.wait()
                month = 0
                while not stop.is_set():
                    # an event of a month without a partition: real work for every run
                    at = dt.datetime(2013 + month // 12, 1 + month % 12, 15, tzinfo=UTC)
                    old_ids[insert_old(m, tenants[0], at)] = f"erp.erp_audit_events_p{at:%Y_%m}"
                    maintained.append(m.execute(MAINTAIN).fetchall())
                    month += 1
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(f"maintainer: {exc!r}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    threads.append(threading.Thread(target=maintainer))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(120)
    print(f"\n{sum(calls.values())} writer calls, {len(maintained)} maintenance runs; longest "
          f"writer statement while maintenance ran: {longest[0] * 1000:.1f} ms")

    assert errors == []
    assert len(maintained) >= 1 and sum(calls.values()) > writers
    for part, runs in zip(old_ids.values(), maintained, strict=True):
        assert (part, "created") in runs
        assert ("erp.erp_audit_events_default", "drained (1 events moved)") in runs
    for event_id, part in old_ids.items():
        assert where(conn, event_id) == part
    assert conn.execute("SELECT count(*) FROM erp.erp_audit_events_default").fetchone()[0] == 0
    for tenant in tenants:
        categories, events = conn.execute(
            "SELECT (SELECT count(*) FROM erp.erp_uom_categories WHERE tenant_id = %s),"
            " (SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s"
            "  AND event_type = 'erp.base.uom_category.created')", (tenant, tenant)).fetchone()
        assert categories == events == calls[tenant, "category"]
        numbers = conn.execute("SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s"
                               " AND event_type = 'erp.base.sequence.allocated'",
                               (tenant,)).fetchone()[0]
        assert numbers == calls[tenant, "number"]
        # versions, replay and gapless numbering
        assert conn.execute("SELECT * FROM erp.audit_verify(%s)", (tenant,)).fetchall() == []


def test_purge_killed_while_waiting_leaves_everything_then_succeeds(dsn, conn, tenant):
    march = dt.date(2015, 3, 1)
    part = "erp.erp_audit_events_p2015_03"
    for day in (2, 9, 16):
        insert_old(conn, tenant, dt.datetime(2015, 3, day, tzinfo=UTC))
    conn.execute(MAINTAIN)
    events, sha = conn.execute("SELECT * FROM erp.audit_month_digest(%s)", (march,)).fetchone()
    conn.execute("SELECT erp.audit_archive_record(NULL, 'SYSTEM', 't', %s, %s, %s, '/b/x.gz')",
                 (march, events, sha))
    conn.execute("SELECT * FROM erp.audit_seal()")

    def state() -> tuple:
        return conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL,"
            " (SELECT count(*) FROM erp.erp_audit_events WHERE id >= erp._audit_bound(%s)"
            "  AND id < erp._audit_bound('2015-04-01')),"
            " (SELECT count(*) FROM erp.erp_audit_events"
            "  WHERE event_type = 'erp.base.audit.purged'),"
            " (SELECT count(*) FROM erp_meta.audit_purges)", (part, march)).fetchone()

    assert state() == (True, 3, 0, 0)
    purge = "SELECT p.partition, p.events FROM erp.audit_purge(NULL, 'SYSTEM', 'kill', %s) AS p"
    with psycopg.connect(dsn) as holder:  # a long reader of the old month
        holder.execute(f"SELECT count(*) FROM {part}").fetchone()  # noqa: S608
        pid: list[int] = []
        outcome: list[BaseException | list] = []

        def purger() -> None:
            try:
                with psycopg.connect(dsn, autocommit=True) as p:
                    pid.append(p.info.backend_pid)
                    outcome.append(p.execute(purge, (march,)).fetchall())
            except psycopg.Error as exc:
                outcome.append(exc)

        t = threading.Thread(target=purger)
        t.start()
        deadline = time.monotonic() + 30
        while not (pid and waiting_on_lock(conn, pid[0])) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pid and waiting_on_lock(conn, pid[0])  # DETACH queued behind the reader
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid[0],)).fetchone()[0] is True
        t.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], psycopg.OperationalError)
        assert state() == (True, 3, 0, 0)  # the month whole, nothing purged or recorded
        holder.rollback()

    assert conn.execute(purge, (march,)).fetchall() == [(part, 3)]
    assert state() == (False, 0, 1, 1)


def test_write_without_partition_lands_in_default_and_maintain_moves_it(conn, tenant):
    with conn.transaction():
        xid = conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
        mine = insert_old(conn, tenant, dt.datetime(2012, 2, 29, 23, 59, 59, 999999, tzinfo=UTC))
        loaded = insert_old(conn, tenant, dt.datetime(2012, 2, 1, tzinfo=UTC),
                            {"db_user": "legacy_loader", "xact_id": "4242"})
    future = insert_old(conn, tenant, dt.datetime(2031, 7, 1, tzinfo=UTC))
    ids = (mine, loaded, future)
    assert [where(conn, i) for i in ids] == ["erp.erp_audit_events_default"] * 3
    rows = "SELECT id, to_jsonb(e) FROM erp.erp_audit_events AS e WHERE id = ANY(%s) ORDER BY id"
    before = conn.execute(rows, (list(ids),)).fetchall()
    by_id = {r[0]: r[1] for r in before}
    assert by_id[mine]["db_user"] == conn.execute("SELECT session_user").fetchone()[0]
    assert by_id[mine]["xact_id"] == xid
    assert (by_id[loaded]["db_user"], by_id[loaded]["xact_id"]) == ("legacy_loader", "4242")
    digest = "SELECT * FROM erp.audit_month_digest('2012-02-01')"
    digest_before = conn.execute(digest).fetchone()

    done = conn.execute(MAINTAIN).fetchall()
    assert ("erp.erp_audit_events_p2012_02", "created") in done
    assert ("erp.erp_audit_events_p2031_07", "created") in done
    assert ("erp.erp_audit_events_default", "drained (3 events moved)") in done
    assert [where(conn, i) for i in ids] == ["erp.erp_audit_events_p2012_02"] * 2 + [
        "erp.erp_audit_events_p2031_07"]
    assert conn.execute(rows, (list(ids),)).fetchall() == before  # every column kept
    assert conn.execute(digest).fetchone() == digest_before == (2, digest_before[1])
    assert conn.execute("SELECT count(*) FROM erp.erp_audit_events_default").fetchone()[0] == 0


def test_protect_restores_a_lost_owner_policy_beside_the_subscribers_one(conn):
    """A partition that keeps only erp_replicator's read policy has lost the owner's: the
    protection puts it back (the subscribers' policy does not count as the owner's)."""
    part = conn.execute(
        "SELECT c.oid::regclass::text FROM pg_inherits AS i"
        " JOIN pg_class AS c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'erp.erp_audit_events'::regclass"
        " AND c.relname <> 'erp_audit_events_default' ORDER BY 1 LIMIT 1").fetchone()[0]
    name = part.split(".")[1]

    def policies() -> list[str]:
        return [r[0] for r in conn.execute(
            "SELECT polname FROM pg_policy WHERE polrelid = %s::regclass ORDER BY 1", (part,))]

    assert policies() == [f"{name}_owner", f"{name}_replicator"]
    conn.execute(f"DROP POLICY {name}_owner ON {part}")
    assert conn.execute("SELECT erp._audit_protect(%s::regclass)", (part,)).fetchone()[0] is True
    assert policies() == [f"{name}_owner", f"{name}_replicator"]
    assert conn.execute("SELECT erp._audit_protect(%s::regclass)", (part,)).fetchone()[0] is False
