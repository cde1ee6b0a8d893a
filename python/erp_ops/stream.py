"""``python -m harness stream``: every tenant's audit feed into another PostgreSQL or files.

The source is ``erp.audit_feed(tenant, position, limit)`` for every tenant of
``erp.audit_tenants()`` (re-read every ``--poll`` seconds, so new tenants are picked up). It
needs only EXECUTE on the audit functions (``erp_auditor``), no table access.

Witness: every minute and at the end of a run the stream records each tenant's seal head
(``erp.audit_seal_head``: block number, hash, events) in the sink, table
``erp_stream.seal_heads`` or file ``seal-heads.jsonl``: a copy the source's owner cannot
rewrite, to check the chain with ``erp.audit_seal_verify(tenant, '<block_no>:<hash>')``.

Exactly once: the feed serves a tenant's committed events in (xact_id, id) order below the
cluster's transaction horizon, so resuming from the last position received returns every
committed event once, late commits included, never an event of a rolled-back transaction.
The sink keeps each tenant's position *with* the events it acknowledged, atomically, and a
consumer starts from the positions the sink holds:

* ``--to URL`` (PostgreSQL): schema ``erp_stream`` with ``events`` (every feed column plus
  ``tenant_id``, primary key ``(tenant_id, id)``) and ``positions`` (per source database and
  tenant). Each flush writes the events and moves the positions in ONE transaction of the
  target; a position moves only from the value this consumer read (compare and set), so two
  consumers on one sink cannot both deliver a batch: the loser re-reads the positions.
* ``--jsonl DIR``: rotating ``events-NNNNNN.jsonl`` files (one JSON object per event with
  ``tenant_id`` and ``position``; a new file after ``--rotate-bytes``) and ``state.json``
  ({file, offset, positions}) replaced atomically (temp file, fsync, rename, fsync of the
  folder) only after the data is written and fsynced. A start truncates the current file to
  the recorded offset and removes later files: whatever a killed run wrote past its last
  acknowledgement is dropped and fetched again. ``DIR/.lock`` (flock) keeps a second consumer
  out.

So a consumer killed at any point (SIGKILL included) and restarted neither loses nor repeats
an event.

The trade-off: events are served only below the oldest transaction still open in the cluster
(any database), so one long-running transaction holds the whole feed back; nothing is lost,
it is delivered when that transaction ends. The progress line shows it: events/s, events
delivered, tenants, the age of the newest event delivered and ``held back``, the committed
events ``erp.audit_feed_lag`` reports above the horizon.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

import psycopg

MAX_BATCH = 10000  # erp.audit_feed refuses a larger p_limit
LAG_EVERY = 5.0  # seconds between erp.audit_feed_lag queries (progress only; it counts)
STATE_FILE = "state.json"
LOCK_FILE = ".lock"
FILE_NAME = re.compile(r"^events-(\d+)\.jsonl$")
STATE_FORMAT = 1

# the feed columns, in the order of erp.audit_feed's result
FEED_COLUMNS = ("position", "id", "entity_type", "entity_id", "event_type", "entity_version",
                "actor_user_id", "actor_type", "trace_id", "payload", "changes", "created_at",
                "db_user", "xact_id")

# --to: the columns as the target stores them (jsonb and xid8 travel as text, exact)
ROWS_SQL = """
SELECT f.position, f.created_at, f.id, f.entity_type, f.entity_id, f.event_type,
    f.entity_version, f.actor_user_id, f.actor_type, f.trace_id, f.payload::text,
    f.changes::text, f.db_user, f.xact_id::text
FROM erp.audit_feed(%(tenant)s, %(after)s, %(limit)s) WITH ORDINALITY AS f
ORDER BY f.ordinality
"""
ROW_COLUMNS = ("tenant_id", "position", "created_at", "id", "entity_type", "entity_id",
               "event_type", "entity_version", "actor_user_id", "actor_type", "trace_id",
               "payload", "changes", "db_user", "xact_id")

# --jsonl: the line is built by the server (jsonb stays exactly as stored; timestamps in UTC)
LINES_SQL = """
SELECT x.position, x.created_at, row_to_json(x)::text
FROM (
    SELECT %(tenant)s::uuid AS tenant_id, f.*
    FROM erp.audit_feed(%(tenant)s, %(after)s, %(limit)s) AS f
) AS x
"""

PROBE_SQL = """
SELECT (SELECT c.system_identifier FROM pg_catalog.pg_control_system() AS c)::text,
    pg_catalog.current_database(), current_user,
    pg_catalog.has_function_privilege('erp.audit_feed(uuid, text, bigint)', 'EXECUTE')
    AND pg_catalog.has_function_privilege('erp.audit_feed_lag(uuid)', 'EXECUTE')
    AND pg_catalog.has_function_privilege('erp.audit_tenants()', 'EXECUTE')
"""
TENANTS_SQL = "SELECT t.tenant_id FROM erp.audit_tenants() AS t"
# the seal heads: a witness kept outside the source (DESIGN.md "What the seal proves")
HEADS_SQL = """
SELECT t.tenant_id, h.block_no, h.hash, h.events
FROM erp.audit_tenants() AS t CROSS JOIN LATERAL erp.audit_seal_head(t.tenant_id) AS h
ORDER BY t.tenant_id
"""
HEADS_EVERY = 60.0  # seconds between seal head records (and one at the end of a run)
HEADS_FILE = "seal-heads.jsonl"
LAG_SQL = """
SELECT coalesce(sum(l.held_back), 0)::bigint, min(l.oldest_open_transaction)
FROM erp.audit_tenants() AS t CROSS JOIN LATERAL erp.audit_feed_lag(t.tenant_id) AS l
"""

TARGET_DDL = """
CREATE SCHEMA IF NOT EXISTS erp_stream;
CREATE TABLE IF NOT EXISTS erp_stream.events (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    position text NOT NULL,
    entity_type text,
    entity_id uuid,
    event_type text,
    entity_version bigint,
    actor_user_id uuid,
    actor_type text,
    trace_id text,
    payload jsonb,
    changes jsonb,
    created_at timestamptz,
    db_user text,
    xact_id xid8,
    PRIMARY KEY (tenant_id, id)
);
COMMENT ON TABLE erp_stream.events IS
    'erp.base audit events copied by `python -m harness stream` (erp.audit_feed), once each';
CREATE TABLE IF NOT EXISTS erp_stream.seal_heads (
    source text NOT NULL,
    tenant_id uuid NOT NULL,
    block_no bigint NOT NULL,
    hash text NOT NULL,
    events bigint NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, tenant_id, block_no)
);
COMMENT ON TABLE erp_stream.seal_heads IS
    'erp.audit_seal_head of every tenant as the stream saw it: a witness of the seal chain kept '
    'outside the source (check it with erp.audit_seal_verify(tenant, ''<block_no>:<hash>''))';
CREATE TABLE IF NOT EXISTS erp_stream.positions (
    source text NOT NULL,
    tenant_id uuid NOT NULL,
    position text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, tenant_id)
);
COMMENT ON TABLE erp_stream.positions IS
    'Last erp.audit_feed position delivered per source database ("<system id>/<database>") '
    'and tenant; moved in the same transaction as the events';
"""


class StreamError(RuntimeError):
    """The stream cannot run as asked (printed as one line, exit code 1)."""


class PositionConflict(StreamError):
    """Another consumer moved a position of this sink: re-read the positions, go on."""


@dataclass
class Batch:
    """Rows of one feed call of one tenant: ``(position, created_at, ...)`` tuples."""

    tenant: uuid.UUID
    after: str | None
    rows: list[tuple]

    @property
    def last(self) -> str:
        return self.rows[-1][0]


# ---- the source -------------------------------------------------------------------------------
class Source:
    """The erp.base database: the tenants, their feeds and the lag (functions only)."""

    def __init__(self, url: str, lines: bool) -> None:
        self.conn = psycopg.connect(url, autocommit=True, application_name="erp-stream")
        self.conn.execute("SET TimeZone TO 'UTC'")  # JSON timestamps in UTC
        sysid, dbname, role, allowed = self.conn.execute(PROBE_SQL).fetchone()
        if not allowed:
            self.conn.close()
            raise StreamError(f"{role} may not execute erp.audit_feed, erp.audit_feed_lag and "
                              "erp.audit_tenants: stream as a login that is a member of "
                              "erp_auditor")
        self.identifier = f"{sysid}/{dbname}"
        self._sql = LINES_SQL if lines else ROWS_SQL

    def tenants(self) -> list[uuid.UUID]:
        return [r[0] for r in self.conn.execute(TENANTS_SQL)]

    def feed(self, tenant: uuid.UUID, after: str | None, limit: int) -> list[tuple]:
        return self.conn.execute(self._sql, {"tenant": tenant, "after": after,
                                             "limit": limit}).fetchall()

    def heads(self) -> list[tuple]:
        """``(tenant, block_no, hash, events)`` of every sealed tenant."""
        return self.conn.execute(HEADS_SQL).fetchall()

    def lag(self) -> tuple[int, dt.datetime | None]:
        held_back, oldest_open = self.conn.execute(LAG_SQL).fetchone()
        return held_back, oldest_open

    def close(self) -> None:
        self.conn.close()


# ---- sinks ------------------------------------------------------------------------------------
class Sink(Protocol):
    def positions(self) -> dict[uuid.UUID, str]: ...

    def write(self, batches: list[Batch]) -> None: ...

    def close(self) -> None: ...


class PostgresSink:
    """Schema ``erp_stream`` of a target database: events and positions, one transaction."""

    def __init__(self, url: str, source: str) -> None:
        self.source = source
        self.conn = psycopg.connect(url, autocommit=True, application_name="erp-stream-sink")
        with self.conn.transaction():  # two consumers starting at once: one creates
            self.conn.execute("SELECT pg_catalog.pg_advisory_xact_lock(hashtext('erp_stream'))")
            self.conn.execute(TARGET_DDL)
        columns = ", ".join(ROW_COLUMNS)
        self._copy = f"COPY erp_stream.events ({columns}) FROM STDIN"

    def positions(self) -> dict[uuid.UUID, str]:
        rows = self.conn.execute(
            "SELECT p.tenant_id, p.position FROM erp_stream.positions AS p WHERE p.source = %s",
            (self.source,)).fetchall()
        return dict(rows)

    def write(self, batches: list[Batch]) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            for b in batches:  # the positions first: their row locks keep a rival out
                if b.after is None:
                    cur.execute(
                        "INSERT INTO erp_stream.positions (source, tenant_id, position)"
                        " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                        (self.source, b.tenant, b.last))
                else:
                    cur.execute(
                        "UPDATE erp_stream.positions SET position = %s, updated_at = now()"
                        " WHERE source = %s AND tenant_id = %s AND position = %s",
                        (b.last, self.source, b.tenant, b.after))
                if cur.rowcount != 1:
                    raise PositionConflict(f"the position of tenant {b.tenant} moved: another "
                                           "consumer writes to this sink")
            with cur.copy(self._copy) as copy:
                for b in batches:
                    for row in b.rows:
                        copy.write_row((b.tenant, *row))

    def record_heads(self, heads: list[tuple]) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany("INSERT INTO erp_stream.seal_heads"
                            " (source, tenant_id, block_no, hash, events)"
                            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                            [(self.source, *h) for h in heads])

    def close(self) -> None:
        self.conn.close()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class JsonlSink:
    """Rotating JSON-lines files and ``state.json`` in ``directory`` (see the module doc)."""

    def __init__(self, directory: str | Path, source: str, rotate_bytes: int) -> None:
        self.dir = Path(directory)
        self.source = source
        self.rotate_bytes = rotate_bytes
        self._heads_seen: set[tuple] = set()
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = os.open(self.dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise StreamError(f"another stream writes to {self.dir}") from None
        self._fh = None
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    @staticmethod
    def file_name(number: int) -> str:
        return f"events-{number:06d}.jsonl"

    def files(self) -> list[tuple[int, Path]]:
        """The event files in order, as (number, path)."""
        found = []
        for path in self.dir.iterdir():
            m = FILE_NAME.match(path.name)
            if m:
                found.append((int(m.group(1)), path))
        return sorted(found)

    def _open(self) -> None:
        state_path = self.dir / STATE_FILE
        if not state_path.exists():
            if self.files():
                raise StreamError(f"{self.dir} holds event files but no {STATE_FILE}: not a "
                                  "stream folder, or its state was lost; use an empty folder")
            self.number, self.offset, self._positions = 1, 0, {}
            self._write_state()  # before any data: files without a state are never ours
        else:
            try:
                state = json.loads(state_path.read_text())
                m = FILE_NAME.match(state["file"])
                if state.get("format") != STATE_FORMAT or not m:
                    raise ValueError("unknown format")
                self.number, self.offset = int(m.group(1)), int(state["offset"])
                self._positions = {uuid.UUID(k): v for k, v in state["positions"].items()}
                recorded = state["source"]
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise StreamError(f"{state_path} is not a stream state: {exc}") from exc
            if recorded != self.source:
                raise StreamError(f"{self.dir} holds the stream of another database "
                                  f"({recorded}), not of {self.source}")
        # drop what a killed run wrote after its last acknowledgement
        for number, path in self.files():
            if number > self.number:
                path.unlink()
        current = self.dir / self.file_name(self.number)
        fd = os.open(current, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size < self.offset:
                raise StreamError(f"{current} is shorter ({size} bytes) than acknowledged "
                                  f"({self.offset}): events were lost outside the stream")
            if size > self.offset:
                os.ftruncate(fd, self.offset)
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(self.dir)
        self._fh = open(current, "ab")  # noqa: SIM115 (kept open across writes)

    def positions(self) -> dict[uuid.UUID, str]:
        return dict(self._positions)

    def _rotate(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self.number += 1
        self.offset = 0
        self._fh = open(self.dir / self.file_name(self.number), "ab")  # noqa: SIM115

    def write(self, batches: list[Batch]) -> None:
        rotated = False
        for b in batches:
            for row in b.rows:
                if self.offset >= self.rotate_bytes:
                    self._rotate()
                    rotated = True
                data = row[2].encode() + b"\n"
                self._fh.write(data)
                self.offset += len(data)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        if rotated:
            _fsync_dir(self.dir)
        for b in batches:
            self._positions[b.tenant] = b.last
        self._write_state()

    def record_heads(self, heads: list[tuple]) -> None:
        """Appends the heads not recorded yet by this run to ``seal-heads.jsonl`` (fsynced)."""
        new = [h for h in heads if (h[0], h[1]) not in self._heads_seen]
        if not new:
            return
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        with open(self.dir / HEADS_FILE, "ab") as fh:
            for tenant, block_no, hash_, events in new:
                record = {"source": self.source, "tenant_id": str(tenant), "block_no": block_no,
                          "hash": hash_, "events": events, "seen_at": now}
                fh.write(json.dumps(record).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._heads_seen |= {(h[0], h[1]) for h in new}

    def _write_state(self) -> None:
        state = {"format": STATE_FORMAT, "source": self.source,
                 "file": self.file_name(self.number), "offset": self.offset,
                 "positions": {str(k): v for k, v in self._positions.items()}}
        tmp = self.dir / (STATE_FILE + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(json.dumps(state).encode())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.dir / STATE_FILE)
        _fsync_dir(self.dir)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._lock is not None:
            os.close(self._lock)  # releases the flock
            self._lock = None


def read_jsonl(directory: str | Path) -> list[dict]:
    """Every acknowledged event of a --jsonl folder, in file order (for tests and tools):
    the lines of the files up to the offset ``state.json`` records."""
    folder = Path(directory)
    state = json.loads((folder / STATE_FILE).read_text())
    last = int(FILE_NAME.match(state["file"]).group(1))
    events = []
    for path in sorted(p for p in folder.iterdir() if FILE_NAME.match(p.name)):
        number = int(FILE_NAME.match(path.name).group(1))
        if number > last:
            break
        data = path.read_bytes()
        if number == last:
            data = data[:state["offset"]]
        events.extend(json.loads(line) for line in data.splitlines())
    return events


# ---- the loop ---------------------------------------------------------------------------------
@dataclass
class Stats:
    """What a run delivered (acknowledged by the sink), for the progress line and callers."""

    events: int = 0
    batches: int = 0
    tenants: int = 0
    started: float = field(default_factory=time.monotonic)
    newest: dt.datetime | None = None  # created_at of the newest event delivered
    held_back: int | None = None  # erp.audit_feed_lag, summed over the tenants
    oldest_open: dt.datetime | None = None
    caught_up: bool = False
    conflicts: int = 0
    samples: deque = field(default_factory=lambda: deque(maxlen=64))

    def rate(self) -> float:
        """Events per second over the last few seconds (the whole run at first)."""
        now = time.monotonic()
        self.samples.append((now, self.events))
        while len(self.samples) > 2 and now - self.samples[0][0] > 5.0:
            self.samples.popleft()
        t0, e0 = self.samples[0]
        if now - t0 < 0.5:
            t0, e0 = self.started, 0
        return (self.events - e0) / max(now - t0, 1e-6)

    def overall_rate(self) -> float:
        return self.events / max(time.monotonic() - self.started, 1e-6)

    def line(self) -> str:
        parts = [f"{self.events:,} events", f"{self.rate():,.0f}/s", f"{self.tenants} tenants"]
        if self.newest is not None:
            age = (dt.datetime.now(dt.timezone.utc) - self.newest).total_seconds()
            parts.append(f"lag {max(age, 0.0):.1f}s")
        else:
            parts.append("lag -")
        if self.held_back is not None:
            held = f"held back {self.held_back:,}"
            if self.held_back and self.oldest_open is not None:
                open_for = (dt.datetime.now(dt.timezone.utc) - self.oldest_open).total_seconds()
                held += f" (a transaction open {open_for:.0f}s)"
            parts.append(held)
        if self.caught_up:
            parts.append("caught up")
        return "stream: " + "  ".join(parts)


def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while not should_stop():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


def consume(source: Source, sink: Sink, *, batch: int = 1000, poll: float = 1.0,
            once: bool = False, should_stop: Callable[[], bool] = lambda: False,
            report: Callable[[Stats], None] | None = None,
            warn: Callable[[str], None] = lambda _msg: None) -> Stats:
    """Copy every tenant's feed into ``sink`` until caught up (``once``) or ``should_stop()``.

    One pass asks each tenant once for up to ``batch`` events; what it got is handed to the
    sink whenever ``batch`` events are buffered and at the end of the pass (no sink
    transaction is open while the source is read). Positions come from the sink, so what the
    sink acknowledged is never fetched again."""
    stats = Stats()
    positions = sink.positions()  # acknowledged, plus what is buffered
    pending: list[Batch] = []
    buffered = 0
    tenants: list[uuid.UUID] = []
    tenants_read = float("-inf")
    caught: set[uuid.UUID] = set()
    lag_read = float("-inf")
    heads_read = float("-inf")

    def witness(force: bool = False) -> None:
        nonlocal heads_read
        record = getattr(sink, "record_heads", None)
        if record is None or (not force and time.monotonic() - heads_read < HEADS_EVERY):
            return
        record(source.heads())
        heads_read = time.monotonic()

    def show(force_lag: bool = False) -> None:
        nonlocal lag_read
        if report is None:
            return
        if force_lag or time.monotonic() - lag_read >= LAG_EVERY:
            stats.held_back, stats.oldest_open = source.lag()
            lag_read = time.monotonic()
        report(stats)

    def flush() -> None:
        nonlocal pending, buffered, positions
        if not pending:
            return
        try:
            sink.write(pending)
        except PositionConflict as exc:
            stats.conflicts += 1
            warn(f"{exc}; re-reading the positions")
            positions = sink.positions()
            caught.clear()
        else:
            for b in pending:
                stats.events += len(b.rows)
                stats.batches += 1
                newest = max(r[1] for r in b.rows)
                if stats.newest is None or newest > stats.newest:
                    stats.newest = newest
        pending, buffered = [], 0
        show()

    while not should_stop():
        if time.monotonic() - tenants_read >= poll:
            tenants = source.tenants()
            tenants_read = time.monotonic()
            stats.tenants = len(tenants)
        more = False
        for tenant in tenants:
            if should_stop():
                break
            if once and tenant in caught:
                continue
            after = positions.get(tenant)
            rows = source.feed(tenant, after, batch)
            if rows:
                pending.append(Batch(tenant, after, rows))
                positions[tenant] = rows[-1][0]
                buffered += len(rows)
                if buffered >= batch:
                    flush()
            if len(rows) < batch:
                caught.add(tenant)
            else:
                more = True
                caught.discard(tenant)
        flush()
        if should_stop():
            break
        stats.caught_up = not more
        if once and not more and caught.issuperset(tenants):
            break
        if not more:
            witness()
            show()
            _sleep(poll, should_stop)
    flush()
    witness(force=True)
    if report is not None:
        show(force_lag=True)
    return stats


# ---- the progress line ------------------------------------------------------------------------
class ProgressLine:
    """A live line on stderr: rich on a terminal, else ``\\r`` updates once a second."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self._last = 0.0
        self._live = None
        self._width = 0
        if self.tty:
            from rich.console import Console
            from rich.live import Live

            self._live = Live("stream: starting", console=Console(file=self.out),
                              refresh_per_second=4, transient=False)
            self._live.start()

    def __call__(self, stats: Stats) -> None:
        if self._live is not None:
            from rich.text import Text

            self._live.update(Text(stats.line()))
            return
        now = time.monotonic()
        if now - self._last < 1.0:
            return
        self._last = now
        self._write(stats.line())

    def _write(self, text: str) -> None:
        pad = max(self._width - len(text), 0)
        self._width = len(text)
        self.out.write("\r" + text + " " * pad)
        self.out.flush()

    def close(self, stats: Stats | None = None) -> None:
        if self._live is not None:
            if stats is not None:
                from rich.text import Text

                self._live.update(Text(stats.line()))
            self._live.stop()
            return
        if stats is not None:
            self._write(stats.line())
        if self._width:
            self.out.write("\n")
            self.out.flush()


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[Callable[[], bool]]:
    """SIGINT and SIGTERM end the loop cleanly (a second one interrupts at once)."""
    stopping = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stopping.is_set
        return

    def handler(signum: int, frame: Any) -> None:
        if stopping.is_set():
            raise KeyboardInterrupt(f"signal {signum}")
        stopping.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopping.is_set
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def open_sink(args: argparse.Namespace, source: Source) -> Sink:
    if args.to:
        return PostgresSink(args.to, source.identifier)
    return JsonlSink(args.jsonl, source.identifier, args.rotate_bytes)


def run(url: str, args: argparse.Namespace) -> int:
    """The ``stream`` command: exit 0 when caught up (``--once``) or stopped by a signal."""
    try:
        source = Source(url, lines=bool(args.jsonl))
    except StreamError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sink = None
    progress = None
    stats = None
    try:
        sink = open_sink(args, source)
        progress = ProgressLine()
        with _stop_on_signals() as should_stop:
            stats = consume(source, sink, batch=args.batch, poll=args.poll, once=args.once,
                            should_stop=should_stop, report=progress,
                            warn=lambda msg: print(f"\nwarning: {msg}", file=sys.stderr))
    except StreamError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if progress is not None:
            progress.close(stats)
        if sink is not None:
            sink.close()
        source.close()
    seconds = time.monotonic() - stats.started
    print(f"streamed {stats.events:,} events in {stats.batches:,} batches of "
          f"{stats.tenants} tenants in {seconds:.1f} s ({stats.overall_rate():,.0f} events/s)")
    return 0
