"""``python -m harness stream``: every tenant's feed into JSON-lines files or another
PostgreSQL database, exactly once. ``--once`` runs copy exactly the committed events (ids and
contents compared with erp.erp_audit_events), again runs add only what is new, a torn tail is
dropped on restart, a signal stops it cleanly; and a consumer killed with SIGKILL at random
moments while writers commit and roll back, restarted 20 times, leaves every committed event
in the sink exactly once.

The sink database lives on the same server as the source (another database): its
transactions hold the cluster-wide feed horizon for a moment, which delays but never changes
what is delivered."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from erp_client.client import ErpClient
from erp_ops import migrate, stream
from harness import cli, testing
from tests.base.test_feed import max_xact, wait_horizon
from tests.conftest import new_tenant

EVENT_SQL = """
SELECT e.tenant_id, {position}, e.id, e.entity_type, e.entity_id, e.event_type,
    e.entity_version, e.actor_user_id, e.actor_type, e.trace_id, e.payload::text,
    e.changes::text, e.created_at, e.db_user, e.xact_id::text
FROM {table} AS e
"""
KEYS = ("tenant_id", "position", "id", "entity_type", "entity_id", "event_type",
        "entity_version", "actor_user_id", "actor_type", "trace_id", "payload", "changes",
        "created_at", "db_user", "xact_id")
ROUNDS = 20  # SIGKILLs per sink
PROGRESS_WAIT = 30.0  # seconds a restarted consumer may take to deliver something


class _Rollback(Exception):
    pass


def _event(row: tuple) -> dict:
    """A row of EVENT_SQL as the JSON-lines sink writes it (jsonb parsed, ids as text)."""
    e = dict(zip(KEYS, row, strict=True))
    for key in ("tenant_id", "id", "entity_id", "actor_user_id"):
        e[key] = None if e[key] is None else str(e[key])
    for key in ("payload", "changes"):
        e[key] = None if e[key] is None else json.loads(e[key])
    return e


def source_events(conn: psycopg.Connection) -> dict[str, dict]:
    """Every committed event of the source database, by id (superuser read of the table)."""
    rows = conn.execute(EVENT_SQL.format(
        table="erp.erp_audit_events", position="e.xact_id::text || ':' || e.id::text")).fetchall()
    return {str(r[2]): _event(r) for r in rows}


def jsonl_events(directory: Path) -> list[dict]:
    """The acknowledged lines of a --jsonl folder, in order, created_at parsed."""
    events = stream.read_jsonl(directory)
    for e in events:
        e["created_at"] = dt.datetime.fromisoformat(e["created_at"])
    return events


def sink_events(url: str) -> list[dict]:
    with psycopg.connect(url) as c:
        rows = c.execute(EVENT_SQL.format(table="erp_stream.events", position="e.position")
                         + " ORDER BY e.tenant_id, e.xact_id, e.id").fetchall()
    return [_event(r) for r in rows]


def assert_exactly_once(events: list[dict], expected: dict[str, dict]) -> None:
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    assert set(ids) == set(expected), (
        f"missing {len(set(expected) - set(ids))}, unexpected {len(set(ids) - set(expected))}")
    for e in events:
        assert e == expected[e["id"]]
    # each tenant's events in feed order
    last: dict[str, tuple] = {}
    for e in events:
        x, i = e["position"].split(":")
        key = (int(x), uuid.UUID(i))
        assert key > last.get(e["tenant_id"], (-1, uuid.UUID(int=0)))
        last[e["tenant_id"]] = key


def populate(conn: psycopg.Connection, tenant: uuid.UUID, tag: str) -> list[uuid.UUID]:
    """Events of several kinds for ``tenant``, and a rolled-back transaction; returns the
    entity ids that transaction created (they must never be streamed)."""
    erp = ErpClient(conn, tenant_id=tenant, actor_type="USER", actor_user_id=uuid.uuid4(),
                    trace_id=f"stream-{tag}")
    erp.uom_category_create(f"C{tag}", f"Category {tag}")
    kg = erp.uom_create(f"KG{tag}", "Kilogram", f"C{tag}")
    erp.uom_update(kg["id"], {"name": "Kilo \"gram\" \\ ünïcode ✓"})
    erp.partner_create(f"P{tag}", "Partner", address={"street": "Main 1\nBack yard",
                                                      "zip": "50667"})
    erp.product_create(f"SKU{tag}", "Precise", kg["id"],
                       list_price=Decimal("987654321098765.4321098765"))
    erp.sequence_create(f"S{tag}", "Numbers", prefix=f"{tag}-")
    erp.sequence_next_batch(f"S{tag}", 5)
    gone = []
    with contextlib.suppress(_Rollback), conn.transaction():
        gone.append(erp.uom_category_create(f"G{tag}", "Ghost")["id"])
        erp.sequence_next(f"S{tag}")
        raise _Rollback
    return gone


@pytest.fixture
def sink_db(server: testing.Server) -> Iterator[str]:
    """An empty database on the same server, for --to."""
    name = testing.unique_name("erp_sink")
    with psycopg.connect(server.url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield server.url_for(name)
    with psycopg.connect(server.url, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_once(dsn: str, *sink: str, batch: int = 7, extra: tuple = ()) -> int:
    return cli.main(["stream", "--database-url", dsn, *sink, "--once", "--batch", str(batch),
                     *extra])


def as_role(dsn: str, role: str) -> str:
    """The database URL with the session's role set to ``role`` (its privileges only)."""
    return make_conninfo(dsn, options=f"-c role={role}")


# ---- --once ----------------------------------------------------------------------------------
def test_jsonl_once_copies_exactly_the_committed_events(conn, dsn, tmp_path, capsys):
    tenants = [new_tenant(conn, f"T{k}") for k in range(3)]
    gone = [g for k, t in enumerate(tenants) for g in populate(conn, t, str(k))]
    out = tmp_path / "audit"
    wait_horizon(conn, max_xact(conn))
    assert run_once(dsn, "--jsonl", str(out), extra=("--rotate-bytes", "3000")) == 0
    expected = source_events(conn)
    events = jsonl_events(out)
    assert_exactly_once(events, expected)
    assert not {str(g) for g in gone} & {e["entity_id"] for e in events}
    assert f"streamed {len(expected)} events" in capsys.readouterr().out
    files = sorted(out.glob("events-*.jsonl"))
    assert len(files) > 2  # rotated
    for f in files[:-1]:  # a file ends at the first line that reaches --rotate-bytes
        size = f.stat().st_size
        assert size >= 3000
        assert size - len(f.read_bytes().splitlines()[-1]) - 1 < 3000
    state = json.loads((out / "state.json").read_text())
    assert state["file"] == files[-1].name
    assert state["offset"] == files[-1].stat().st_size
    assert state["positions"] == {str(t): max(
        (e for e in events if e["tenant_id"] == str(t)),
        key=lambda e: (int(e["position"].split(":")[0]), e["id"]))["position"]
        for t in tenants}
    # the precise number survives as it is stored
    product = [e for e in events if e["event_type"] == "erp.base.product.created"][0]
    raw = [line for f in files for line in f.read_text().splitlines()
           if product["id"] in line and '"position"' in line][0]
    assert "987654321098765.4321098765" in raw

    # again: nothing new, nothing repeated; then only what is new, a new tenant included
    sizes = [f.stat().st_size for f in files]
    assert run_once(dsn, "--jsonl", str(out), extra=("--rotate-bytes", "3000")) == 0
    assert [f.stat().st_size for f in sorted(out.glob("events-*.jsonl"))] == sizes
    late = new_tenant(conn, "Late")
    populate(conn, late, "L")
    populate(conn, tenants[0], "X")
    wait_horizon(conn, max_xact(conn))
    assert run_once(dsn, "--jsonl", str(out), extra=("--rotate-bytes", "3000")) == 0
    assert_exactly_once(jsonl_events(out), source_events(conn))


def test_postgres_once_copies_exactly_the_committed_events(conn, dsn, sink_db):
    tenants = [new_tenant(conn, f"T{k}") for k in range(3)]
    for k, t in enumerate(tenants):
        populate(conn, t, str(k))
    wait_horizon(conn, max_xact(conn))
    assert run_once(dsn, "--to", sink_db) == 0
    assert_exactly_once(sink_events(sink_db), source_events(conn))
    with psycopg.connect(sink_db) as c:
        positions = dict(c.execute("SELECT tenant_id, position FROM erp_stream.positions"))
        sources = {r[0] for r in c.execute("SELECT source FROM erp_stream.positions")}
        db = c.execute("SELECT count(*) FROM erp_stream.events").fetchone()[0]
        # the precise number, as stored
        price = c.execute("SELECT payload->>'list_price' FROM erp_stream.events"
                          " WHERE event_type = 'erp.base.product.created' LIMIT 1").fetchone()[0]
    assert price == "987654321098765.4321098765"
    sysid, name = conn.execute("SELECT system_identifier::text, current_database()"
                               " FROM pg_control_system()").fetchone()
    assert sources == {f"{sysid}/{name}"}
    expected = source_events(conn)
    for t in tenants:
        mine = sorted((e for e in expected.values() if e["tenant_id"] == str(t)),
                      key=lambda e: (int(e["xact_id"]), e["id"]))
        assert positions[t] == mine[-1]["position"]

    assert run_once(dsn, "--to", sink_db) == 0  # nothing new: nothing written
    with psycopg.connect(sink_db) as c:
        assert c.execute("SELECT count(*) FROM erp_stream.events").fetchone()[0] == db
    populate(conn, new_tenant(conn, "Late"), "L")
    populate(conn, tenants[1], "X")
    wait_horizon(conn, max_xact(conn))
    assert run_once(dsn, "--to", sink_db, batch=1000) == 0
    assert_exactly_once(sink_events(sink_db), source_events(conn))


def test_two_consumers_on_one_sink_deliver_each_event_once(conn, dsn, sink_db):
    for k in range(3):
        tenant = new_tenant(conn, f"T{k}")
        conn.execute(
            "SELECT erp.atomic_insert_many_with_audit(%s, NULL, 'SYSTEM', 'two', "
            " 'erp.base.uom_category', (SELECT jsonb_agg(jsonb_build_object('code', 'C' || g,"
            " 'name', 'Category ' || g)) FROM generate_series(1, 300) AS g))", (tenant,))
    wait_horizon(conn, max_xact(conn))
    results: list = []

    def consumer() -> None:
        source = stream.Source(dsn, lines=False)
        sink = stream.PostgresSink(sink_db, source.identifier)
        try:
            results.append(stream.consume(source, sink, batch=10, once=True))
        except BaseException as exc:  # reported by the test
            results.append(exc)
        finally:
            sink.close()
            source.close()

    threads = [threading.Thread(target=consumer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(r, stream.Stats) for r in results), results
    expected = source_events(conn)
    # what the two delivered adds up to every event: a batch the other had delivered was
    # refused (position moved), never written twice
    assert sum(r.events for r in results) == len(expected) == 3 * 301
    assert_exactly_once(sink_events(sink_db), expected)
    print(f"\nposition conflicts: {[r.conflicts for r in results]}")


def test_the_source_needs_only_erp_auditor(conn, dsn, tmp_path, sink_db, capsys):
    populate(conn, new_tenant(conn), "A")
    wait_horizon(conn, max_xact(conn))
    auditor = as_role(dsn, "erp_auditor")
    assert run_once(auditor, "--jsonl", str(tmp_path / "a")) == 0
    assert run_once(auditor, "--to", sink_db) == 0
    expected = source_events(conn)
    assert_exactly_once(jsonl_events(tmp_path / "a"), expected)
    assert_exactly_once(sink_events(sink_db), expected)
    capsys.readouterr()
    assert run_once(as_role(dsn, "erp_app"), "--jsonl", str(tmp_path / "b")) == 1
    assert "erp_app may not execute erp.audit_feed" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_a_torn_tail_and_unacknowledged_files_are_dropped_on_restart(conn, dsn, tmp_path):
    tenant = new_tenant(conn)
    populate(conn, tenant, "1")
    out = tmp_path / "audit"
    wait_horizon(conn, max_xact(conn))
    assert run_once(dsn, "--jsonl", str(out), extra=("--rotate-bytes", "2000")) == 0
    state = json.loads((out / "state.json").read_text())
    current = out / state["file"]
    number = int(state["file"][7:13])
    # what a run killed after writing but before acknowledging leaves behind
    with current.open("ab") as fh:
        fh.write(b'{"tenant_id": "torn half a li')
    (out / stream.JsonlSink.file_name(number + 1)).write_text('{"not": "acknowledged"}\n')
    (out / stream.JsonlSink.file_name(number + 7)).write_text('{"not": "acknowledged"}\n')
    populate(conn, tenant, "2")
    wait_horizon(conn, max_xact(conn))
    assert run_once(dsn, "--jsonl", str(out), extra=("--rotate-bytes", "2000")) == 0
    # every line of every file parses, and the files hold each committed event once
    lines = [json.loads(line) for f in sorted(out.glob("events-*.jsonl"))
             for line in f.read_text().splitlines()]
    assert not [x for x in lines if "not" in x]
    assert len(lines) == len(source_events(conn))
    assert_exactly_once(jsonl_events(out), source_events(conn))


def test_a_folder_of_another_database_or_without_state_is_refused(conn, dsn, tmp_path, capsys):
    new_tenant(conn)
    out = tmp_path / "audit"
    assert run_once(dsn, "--jsonl", str(out)) == 0
    state = json.loads((out / "state.json").read_text())
    state["source"] = "12345/elsewhere"
    (out / "state.json").write_text(json.dumps(state))
    capsys.readouterr()
    assert run_once(dsn, "--jsonl", str(out)) == 1
    assert "another database" in capsys.readouterr().err
    (out / "state.json").unlink()
    assert run_once(dsn, "--jsonl", str(out)) == 1
    assert "no state.json" in capsys.readouterr().err
    assert cli.main(["stream", "--database-url", dsn, "--jsonl", str(out), "--to", dsn]) == 1
    assert cli.main(["stream", "--database-url", dsn, "--jsonl", str(out), "--batch",
                     "0"]) == 1
    capsys.readouterr()
    busy = stream.JsonlSink(tmp_path / "busy", "x/y", 1000)  # a consumer at work there
    try:
        assert run_once(dsn, "--jsonl", str(tmp_path / "busy")) == 1
        assert "another stream writes" in capsys.readouterr().err
    finally:
        busy.close()
    assert cli.main(["stream", "--database-url", dsn, "--jsonl", str(out), "--batch",
                     "10001"]) == 1


# ---- following, signals and SIGKILL -----------------------------------------------------------
def start(dsn: str, sink: list[str], log: Path, *extra: str) -> subprocess.Popen:
    """The stream command as a child process following the feed; output into ``log``."""
    with log.open("ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "harness", "stream", "--database-url", dsn, *sink,
             "--poll", "0.05", *extra],
            stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=migrate.ROOT, start_new_session=True)


def jsonl_mark(directory: Path) -> bytes:
    try:
        return (directory / "state.json").read_bytes()
    except FileNotFoundError:
        return b""


def wait_changed(mark, before, proc: subprocess.Popen, within: float = PROGRESS_WAIT) -> bool:
    """Wait until ``mark()`` differs from ``before`` (the sink acknowledged something)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if mark() != before:
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_follower_cleanly(conn, dsn, tmp_path, signum):
    populate(conn, new_tenant(conn), "S")
    out, log = tmp_path / "audit", tmp_path / "log"
    proc = start(dsn, ["--jsonl", str(out)], log)
    try:
        assert wait_changed(lambda: jsonl_events(out) if jsonl_mark(out) else [], [], proc)
        time.sleep(0.2)  # following, caught up
        assert proc.poll() is None
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert "streamed" in text and "caught up" in text
    wait_horizon(conn, max_xact(conn))
    assert_exactly_once(jsonl_events(out), source_events(conn))


def test_sigkill_at_random_moments_loses_and_repeats_nothing(conn, dsn, tmp_path, sink_db):
    rng = random.Random(int(os.environ.get("STREAM_KILL_SEED", "0")) or None)
    tenants = [new_tenant(conn, f"K{k}") for k in range(4)]
    stop = threading.Event()
    errors: list[BaseException] = []
    gone: list[str] = []
    committed = [0]

    def writer(seed: int) -> None:
        wr = random.Random(seed)
        try:
            with psycopg.connect(dsn) as c:
                k = 0
                while not stop.is_set():
                    tenant = wr.choice(tenants)
                    ids = []
                    for _ in range(wr.randint(1, 3)):
                        k += 1
                        ids.append(c.execute(
                            "SELECT (erp.uom_category_create(%s, NULL, 'SYSTEM', 'kill', %s,"
                            " %s)).id", (tenant, f"W{seed}-{k}", f"Written {k}")).fetchone()[0])
                    if wr.random() < 0.3:
                        time.sleep(wr.random() * 0.02)  # a late commit (or rollback)
                    if wr.random() < 0.25:
                        c.rollback()
                        gone.extend(str(i) for i in ids)
                    else:
                        c.commit()
                        committed[0] += len(ids)
                    time.sleep(0.001)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    out = tmp_path / "audit"
    kills = {"jsonl": [], "pg": []}

    watch = psycopg.connect(sink_db, autocommit=True)

    def sink_mark() -> int:
        with contextlib.suppress(psycopg.errors.UndefinedTable):
            return watch.execute("SELECT count(*) FROM erp_stream.events").fetchone()[0]
        return -1

    def killer(name: str, sink: list[str], mark, source: str, seed: int) -> None:
        kr = random.Random(seed)
        log = tmp_path / f"{name}.log"
        try:
            for _ in range(ROUNDS):
                before = mark()
                proc = start(source, sink, log, "--batch", str(kr.choice([5, 25, 100])),
                             "--rotate-bytes", "20000")
                try:
                    progressed = wait_changed(mark, before, proc)
                    time.sleep(kr.uniform(0.0, 0.3))
                    running = proc.poll() is None
                finally:
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGKILL)
                    proc.wait()
                torn = False  # the killed run had written past its last acknowledgement
                if name == "jsonl" and (out / "state.json").exists():
                    state = json.loads((out / "state.json").read_text())
                    files = sorted(out.glob("events-*.jsonl"))
                    torn = (files[-1].name != state["file"]
                            or files[-1].stat().st_size != state["offset"])
                kills[name].append((progressed, running, proc.returncode, torn))
                assert running, f"{name} exited on its own:\n{log.read_text()[-3000:]}"
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s,), daemon=True) for s in (1, 2)]
    for t in threads:
        t.start()
    killers = [
        threading.Thread(target=killer, daemon=True, args=(
            "jsonl", ["--jsonl", str(out)], lambda: jsonl_mark(out),
            as_role(dsn, "erp_auditor"), rng.randrange(1 << 30))),
        threading.Thread(target=killer, daemon=True, args=(
            "pg", ["--to", sink_db], sink_mark, dsn, rng.randrange(1 << 30))),
    ]
    started = time.monotonic()
    try:
        for t in killers:
            t.start()
        for t in killers:
            t.join(timeout=120)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        watch.close()
    assert not errors, errors
    assert all(not t.is_alive() for t in killers)
    kill_phase = time.monotonic() - started

    # the writers are done; once every transaction of theirs has ended, one last run each
    wait_horizon(conn, max_xact(conn))
    assert run_once(dsn, "--jsonl", str(out), extra=("--rotate-bytes", "20000")) == 0
    assert run_once(dsn, "--to", sink_db) == 0
    expected = source_events(conn)
    files = len(list(out.glob("events-*.jsonl")))
    print(f"\n{len(expected)} committed events ({committed[0]} by the writers, "
          f"{len(gone)} rolled back) in {kill_phase:.1f} s; kills with progress first: "
          f"jsonl {sum(k[0] for k in kills['jsonl'])}/{ROUNDS}, "
          f"pg {sum(k[0] for k in kills['pg'])}/{ROUNDS}; jsonl torn tails "
          f"{sum(k[3] for k in kills['jsonl'])}; {files} jsonl files")
    assert [k[2] for k in kills["jsonl"]] == [-signal.SIGKILL] * ROUNDS
    assert [k[2] for k in kills["pg"]] == [-signal.SIGKILL] * ROUNDS
    assert sum(k[0] for k in kills["jsonl"]) + sum(k[0] for k in kills["pg"]) > 0
    assert gone and committed[0] > 0
    events = jsonl_events(out)
    assert_exactly_once(events, expected)
    assert not set(gone) & {e["entity_id"] for e in events}
    pg = sink_events(sink_db)
    assert_exactly_once(pg, expected)
    assert not set(gone) & {e["entity_id"] for e in pg}


# ---- the witness: seal heads recorded in the sink ---------------------------------------------
def test_the_sinks_record_every_tenant_s_seal_head(conn, dsn, tmp_path, sink_db):
    tenants = [new_tenant(conn, f"W{k}") for k in range(2)]
    for k, t in enumerate(tenants):
        populate(conn, t, f"W{k}")
    wait_horizon(conn, max_xact(conn))
    conn.execute("SELECT * FROM erp.audit_seal()")
    heads = {(str(t), b, h) for t, b, h in conn.execute(
        "SELECT tenant_id, block_no, hash FROM erp.erp_audit_seal_heads WHERE block_no > 0")}
    assert {t for t, _, _ in heads} == {str(t) for t in tenants}
    out = tmp_path / "audit"
    assert run_once(dsn, "--jsonl", str(out)) == 0
    lines = [json.loads(x) for x in (out / "seal-heads.jsonl").read_text().splitlines()]
    assert {(x["tenant_id"], x["block_no"], x["hash"]) for x in lines} == heads
    assert run_once(dsn, "--to", sink_db) == 0
    with psycopg.connect(sink_db) as c:
        stored = {(str(t), b, h) for t, b, h in c.execute(
            "SELECT tenant_id, block_no, hash FROM erp_stream.seal_heads")}
    assert stored == heads
    # each is a head the chain contains
    for t, b, h in heads:
        assert conn.execute("SELECT count(*) FROM erp.audit_seal_verify(%s, %s)",
                            (t, f"{b}:{h}")).fetchone()[0] == 0
