"""``python -m harness stress``: a mixed concurrent workload with faults, then invariants.

Workers (one connection each) run every write function and sequence allocations across
tenants: one entity write per transaction, optionally followed by one allocation (allocate
last, as the README advises), some deliberately refused (duplicate codes, stale versions,
archiving records in use), some rolled back on purpose. A separate thread terminates a
random worker's backend every ``kill_interval`` seconds; the worker reconnects.

Afterwards, with nothing running, the invariants are checked through the public functions:

* ``erp.audit_verify`` is empty for every tenant of the run;
* numbering: per (sequence, period) the issued numbers are start, start+step, ... with no
  duplicate, every number a client saw committed is issued, and every issued number was seen
  committed or belongs to a transaction whose commit outcome the client could not know
  (backend terminated during COMMIT), and ``sequence_peek`` continues the run;
* audit replay: versions are 1..n, the first snapshot plus every event's changes reproduces
  each event's snapshot, and the last snapshot equals the current row;
* tenancy: every committed row is found in its own tenant only, references stay inside
  the tenant, and every event's entity is a row of the event's tenant;
* no unexpected errors (anything but the refusals the workload provokes and the lost
  connections it causes).

The exit code is 1 on any violation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from erp_client.client import ErpClient
from erp_client.errors import BY_SQLSTATE, ErpError
from erp_ops.verify import describe

# refusals the workload provokes on purpose; anything else is a finding
EXPECTED = {"ZE002": "duplicate codes", "ZE004": "stale expected_version",
            "ZE005": "archiving records in use", "ZE009": "referencing archived records"}
ZONES = ["Europe/Berlin", "Pacific/Auckland", "America/Los_Angeles", "Asia/Tokyo", "UTC",
         "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata"]
# (code, reset, prefix, document dates it is used with)
SEQUENCES = [
    ("INV", "yearly", "INV/{YYYY}/", [dt.date(2024, 12, 28) + dt.timedelta(days=i)
                                      for i in range(8)]),
    ("SO", "never", "SO-", [None]),
    ("JE", "monthly", "JE/{YYYY}-{MM}/", [dt.date(2025, m, 15) for m in (1, 2, 3)]),
    # a hundred yearly periods: first numbers of a period (a new counter row) all run long
    ("YR", "yearly", "YR/{YYYY}/", [dt.date(2000 + i, 6, 1) for i in range(100)]),
]
ENTITY_LISTS = {  # entity type -> (list function, extra arguments)
    "erp.base.uom_category": ("uom_category_list", ""),
    "erp.base.uom": ("uom_list", ", p_include_archived => true"),
    "erp.base.partner": ("partner_list", ", p_include_archived => true"),
    "erp.base.product": ("product_list", ", p_include_archived => true"),
    "erp.base.sequence": ("sequence_list", ""),
}


# ---- shared state ----------------------------------------------------------------------------
@dataclass
class TenantState:
    """What the workload knows about a tenant: ids and codes created by committed work."""

    id: uuid.UUID
    name: str
    timezone: str
    ids: dict[str, list[uuid.UUID]] = field(default_factory=lambda: defaultdict(list))
    codes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    seq_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    seq_start_step: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Stats:
    """Counters shared by every worker (under one lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: Counter = field(default_factory=Counter)  # successful calls per function
    refusals: Counter = field(default_factory=Counter)  # SQLSTATE -> count
    unexpected: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0
    lost: int = 0  # transactions lost to a terminated backend
    in_doubt_tx: int = 0
    kills: int = 0
    kill_note: str = ""
    # (tenant, code, period) -> committed numbers / numbers of in-doubt transactions
    numbers: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(list))
    in_doubt: dict[tuple, set[int]] = field(default_factory=lambda: defaultdict(set))
    period_dates: dict[tuple, dt.date | None] = field(default_factory=dict)
    created: dict[uuid.UUID, set[tuple[str, uuid.UUID]]] = field(
        default_factory=lambda: defaultdict(set))

    def total_calls(self) -> int:
        return sum(self.calls.values())


# ---- the workload ----------------------------------------------------------------------------
class Worker(threading.Thread):
    def __init__(self, n: int, url: str, tenants: list[TenantState], stats: Stats,
                 stop: threading.Event, pids: dict[int, int], rollback_rate: float,
                 seed: int) -> None:
        super().__init__(name=f"stress-worker-{n}", daemon=True)
        self.n, self.url, self.tenants, self.stats = n, url, tenants, stats
        self.stop, self.pids, self.rollback_rate = stop, pids, rollback_rate
        self.rng = random.Random(seed)
        self.seq = itertools.count(1)
        self.conn: psycopg.Connection | None = None

    # -- connection ------------------------------------------------------------------------------
    def connect(self) -> psycopg.Connection:
        """A new connection; a refused one (e.g. too many clients) is an unexpected error."""
        while True:
            try:
                conn = psycopg.connect(self.url, options="-c statement_timeout=60000")
                self.pids[self.n] = conn.info.backend_pid
                return conn
            except psycopg.OperationalError as exc:
                with self.stats.lock:
                    self.unexpected("connect", str(exc).strip())
                if self.stop.is_set():
                    raise
                time.sleep(0.2)

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if self.conn is None or self.conn.closed or self.conn.broken:
                    self.conn = self.connect()
                self.transaction(self.conn)
        except psycopg.OperationalError:
            pass  # could not reconnect after the stop signal: nothing left to do
        except Exception as exc:  # a bug in the workload itself: report it, do not hide it
            with self.stats.lock:
                self.unexpected("python", repr(exc))
        finally:
            self.pids.pop(self.n, None)
            if self.conn is not None:
                self.conn.close()

    # -- one transaction ---------------------------------------------------------------------------
    def transaction(self, conn: psycopg.Connection) -> None:
        t = self.rng.choice(self.tenants)
        erp = ErpClient(conn, tenant_id=t.id, trace_id=f"stress-{self.n}-{next(self.seq)}")
        effects: list[tuple] = []
        s = self.stats
        try:
            op = self.rng.choices(OPS, WEIGHTS)[0]
            op(self, erp, t, effects)
            if op not in (op_allocate, op_allocate_batch, op_sequence_reformat) \
                    and self.rng.random() < 0.4:
                op_allocate(self, erp, t, effects)  # an entity write plus a number, allocated last
        except ErpError as exc:
            self.rollback(conn)
            with s.lock:
                if exc.sqlstate in EXPECTED:
                    s.refusals[exc.sqlstate] += 1
                else:
                    self.unexpected(exc.sqlstate, str(exc))
            return
        except psycopg.Error as exc:
            if conn.broken or conn.closed:
                with s.lock:
                    s.lost += 1
                return
            self.rollback(conn)
            with s.lock:
                self.unexpected(exc.sqlstate or type(exc).__name__, str(exc).strip())
            return
        if self.rng.random() < self.rollback_rate:
            self.rollback(conn)
            with s.lock:
                s.rollbacks += 1
            return
        try:
            conn.commit()
        except psycopg.Error as exc:
            if conn.broken or conn.closed:  # died during COMMIT: it may or may not have happened
                with s.lock:
                    s.in_doubt_tx += 1
                    for e in effects:
                        if e[0] == "numbers":
                            s.in_doubt[e[1]].update(e[2])
                return
            with s.lock:
                self.unexpected(exc.sqlstate or type(exc).__name__, str(exc).strip())
            return
        with s.lock:
            s.commits += 1
            for e in effects:
                if e[0] == "numbers":
                    s.numbers[e[1]].extend(e[2])
                    s.period_dates.setdefault(e[1], e[3])
                else:
                    _, kind, entity_type, row_id, code = e
                    t.ids[kind].append(row_id)
                    if code is not None:
                        t.codes[kind].append(code)
                    s.created[t.id].add((entity_type, row_id))

    def rollback(self, conn: psycopg.Connection) -> None:
        with contextlib.suppress(psycopg.Error):  # a broken connection: the loop replaces it
            conn.rollback()

    def unexpected(self, state: str, message: str) -> None:  # caller holds the lock
        self.stats.unexpected[state] += 1
        if len(self.stats.samples) < 20:
            self.stats.samples.append(f"{state}: {message.splitlines()[0][:200]}")

    # -- helpers for the operations ----------------------------------------------------------
    def call(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        with self.stats.lock:
            self.stats.calls[name] += 1
        return result

    def code(self, t: TenantState, kind: str, prefix: str) -> str:
        """A new code, or now and then one that exists already (a duplicate on purpose)."""
        if t.codes[kind] and self.rng.random() < 0.05:
            existing = self.rng.choice(t.codes[kind])
            return self.rng.choice([existing, f" {existing.lower()} "])
        return f"{prefix}{self.n}-{next(self.seq)}"

    def version(self, current: int) -> int | None:
        """No expected version (60%), the current one (30%) or a stale one (10%)."""
        r = self.rng.random()
        if r < 0.6:
            return None
        return current if r < 0.9 or current == 1 else current - 1


def op_allocate(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    code, _, _, dates = w.rng.choice(SEQUENCES)
    date = w.rng.choice(dates)
    row = w.call("sequence_next", erp.sequence_next, code, date)
    effects.append(("numbers", (t.id, code, row["period_key"]), [row["allocated_value"]], date))


def op_allocate_batch(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    code, _, _, dates = w.rng.choice(SEQUENCES)
    date = w.rng.choice(dates)
    rows = w.call("sequence_next_batch", erp.sequence_next_batch, code, w.rng.randint(2, 5),
                  date)
    effects.append(("numbers", (t.id, code, rows[0]["period_key"]),
                    [r["allocated_value"] for r in rows], date))


def op_uom_create(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    category = w.rng.choice(["unit", "weight"])
    code = w.code(t, "uom", "U")
    row = w.call("uom_create", erp.uom_create, code, f"Unit {code}", category,
                 uom_type=w.rng.choice(["bigger", "smaller"]),
                 factor=Decimal(w.rng.randint(2, 1000)), rounding=Decimal("0.01"))
    effects.append(("entity", "uom", "erp.base.uom", row["id"], code))


def op_uom_update(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    if not t.ids["uom"]:
        return
    row = erp.uom_get(w.rng.choice(t.ids["uom"]))
    patch = w.rng.choice([{"name": f"Unit {w.n}.{next(w.seq)}"},
                          {"rounding": Decimal(w.rng.choice(["0.01", "0.001", "1"]))},
                          {"factor": Decimal(w.rng.randint(2, 1000))}])
    w.call("uom_update", erp.uom_update, row["id"], patch, w.version(row["version"]))


def _flip(w: Worker, erp: ErpClient, kind: str, ids: list[uuid.UUID]) -> None:
    if not ids:
        return
    row = getattr(erp, f"{kind}_get")(w.rng.choice(ids))
    action = "archive" if row["active"] else "restore"
    w.call(f"{kind}_{action}", getattr(erp, f"{kind}_{action}"), row["id"],
           w.version(row["version"]))


def op_uom_flip(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    _flip(w, erp, "uom", t.ids["uom"])  # only bigger/smaller units: references stay


def op_partner_create(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    code = w.code(t, "partner", "P")
    companies = t.ids["company"]
    if companies and w.rng.random() < 0.6:
        row = w.call("partner_create", erp.partner_create, code, f"Person {code}",
                     kind="person", parent_id=w.rng.choice(companies),
                     email=f"{code.strip().lower()}@example.com")
        effects.append(("entity", "partner", "erp.base.partner", row["id"], code))
    else:
        tax_id = f"TX{w.n}-{next(w.seq)}" if w.rng.random() < 0.5 else None
        row = w.call("partner_create", erp.partner_create, code, f"Company {code}",
                     tax_id=tax_id, address={"city": w.rng.choice(["Berlin", "Auckland"])},
                     is_supplier=w.rng.random() < 0.3)
        effects.append(("entity", "company", "erp.base.partner", row["id"], code))


def op_partner_update(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    ids = t.ids["partner"] + t.ids["company"]
    if not ids:
        return
    row = erp.partner_get(w.rng.choice(ids))
    patch = w.rng.choice([{"phone": f"+49 30 {w.rng.randint(100000, 999999)}"},
                          {"name": f"{row['name'].split(' ')[0]} {w.n}.{next(w.seq)}"},
                          {"address": {"city": w.rng.choice(["Hamburg", "Wellington"]),
                                       "zip": str(w.rng.randint(10000, 99999))}},
                          {"is_customer": w.rng.random() < 0.5}])
    w.call("partner_update", erp.partner_update, row["id"], patch, w.version(row["version"]))


def op_partner_flip(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    _flip(w, erp, "partner", t.ids["partner"] + t.ids["company"])


def op_product_create(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    sku = w.code(t, "product", "SKU")
    unit, dozen = t.ids["ref_unit"][0], t.ids["ref_dozen"][0]
    row = w.call("product_create", erp.product_create, sku, f"Product {sku}", unit,
                 list_price=Decimal(w.rng.randint(0, 100000)) / 100,
                 purchase_uom_id=dozen if w.rng.random() < 0.3 else None,
                 barcode=f"B{w.n}-{next(w.seq)}" if w.rng.random() < 0.3 else None)
    effects.append(("entity", "product", "erp.base.product", row["id"], sku))


def op_product_update(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    if not t.ids["product"]:
        return
    row = erp.product_get(w.rng.choice(t.ids["product"]))
    patch = w.rng.choice([{"list_price": Decimal(w.rng.randint(0, 100000)) / 100},
                          {"name": f"Product {w.n}.{next(w.seq)}"},
                          {"product_type": w.rng.choice(["goods", "service", "consumable"])}])
    w.call("product_update", erp.product_update, row["id"], patch, w.version(row["version"]))


def op_product_flip(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    _flip(w, erp, "product", t.ids["product"])


def op_dozen_flip(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    """Archive/restore the dozen unit products are bought in: mostly refused as in use."""
    _flip(w, erp, "uom", t.ids["ref_dozen"])


def op_sequence_update(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    code = w.rng.choice(SEQUENCES)[0]
    row = erp.sequence_get(t.seq_ids[code])
    w.call("sequence_update", erp.sequence_update, row["id"],
           {"name": f"{code} {w.n}.{next(w.seq)}"}, w.version(row["version"]))


def op_sequence_reformat(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    """A format change followed by a number of the same sequence in one transaction, often the
    first of its period: the change holds the sequence row while others begin that period."""
    code, _, _, dates = w.rng.choice(SEQUENCES)
    w.call("sequence_update", erp.sequence_update, t.seq_ids[code],
           {"padding": w.rng.choice([5, 6])}, None)
    date = w.rng.choice(dates)
    row = w.call("sequence_next", erp.sequence_next, code, date)
    effects.append(("numbers", (t.id, code, row["period_key"]), [row["allocated_value"]], date))


def op_category_create(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    code = w.code(t, "uom_category", "C")
    row = w.call("uom_category_create", erp.uom_category_create, code, f"Category {code}")
    effects.append(("entity", "uom_category", "erp.base.uom_category", row["id"], code))


def op_generic(w: Worker, erp: ErpClient, t: TenantState, effects: list) -> None:
    """The generic writers module authors use: the same rows, the same trail."""
    if t.ids["product"] and w.rng.random() < 0.5:
        w.call("atomic_update_with_audit", erp.atomic_update_with_audit, "erp.base.product",
               w.rng.choice(t.ids["product"]), {"name": f"Generic {w.n}.{next(w.seq)}"})
        return
    code = w.code(t, "partner", "G")
    row = w.call("atomic_insert_with_audit", erp.atomic_insert_with_audit, "erp.base.partner",
                 {"code": code, "name": f"Generic {code}"})
    effects.append(("entity", "company", "erp.base.partner", uuid.UUID(row["id"]), code))


OPS_WEIGHTS: list[tuple[Callable, int]] = [
    (op_allocate, 30), (op_allocate_batch, 5),
    (op_uom_create, 4), (op_uom_update, 4), (op_uom_flip, 3), (op_dozen_flip, 1),
    (op_partner_create, 6), (op_partner_update, 6), (op_partner_flip, 3),
    (op_product_create, 6), (op_product_update, 8), (op_product_flip, 3),
    (op_sequence_update, 1), (op_sequence_reformat, 3), (op_category_create, 1), (op_generic, 2),
]
OPS = [o for o, _ in OPS_WEIGHTS]
WEIGHTS = [w for _, w in OPS_WEIGHTS]


# ---- setup and faults ------------------------------------------------------------------------
def setup_tenants(url: str, count: int, rng: random.Random) -> list[TenantState]:
    run_id = uuid.uuid4().hex[:6]
    tenants = []
    with psycopg.connect(url, autocommit=True) as conn:
        system = ErpClient(conn, trace_id=f"stress-setup-{run_id}")
        for i in range(count):
            zone = ZONES[i % len(ZONES)]
            row = system.tenant_create(f"stress {run_id} #{i + 1}", zone)
            t = TenantState(row["id"], row["name"], zone)
            erp = system.using(tenant_id=t.id)
            for code, reset, prefix, _ in SEQUENCES:
                seq = erp.sequence_create(code, code, prefix=prefix, reset=reset,
                                          start_value=rng.choice([1, 1000]),
                                          step=rng.choice([1, 1, 2]))
                t.seq_ids[code] = seq["id"]
                t.seq_start_step[code] = (seq["start_value"], seq["step"])
            erp.uom_category_create("unit", "Units")
            erp.uom_category_create("weight", "Weight")
            t.ids["ref_unit"].append(erp.uom_create("PC", "Piece", "unit")["id"])
            t.ids["ref_kg"].append(erp.uom_create("KG", "Kilogram", "weight")["id"])
            t.ids["ref_dozen"].append(erp.uom_create("DZ", "Dozen", "unit", uom_type="bigger",
                                                     factor=Decimal(12))["id"])
            for code in ("PC", "KG", "DZ"):
                t.codes["uom"].append(code)
            tenants.append(t)
    return tenants


def terminator(url: str, interval: float, pids: dict[int, int], stats: Stats,
               stop: threading.Event, rng: random.Random) -> None:
    """Every ``interval`` seconds, pg_terminate_backend one random worker's backend."""
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.Error as exc:
        stats.kill_note = f"terminator could not connect: {exc}"
        return
    with conn:
        while not stop.wait(interval):
            victims = list(pids.values())
            if not victims:
                continue
            try:
                killed = conn.execute("SELECT pg_terminate_backend(%s)",
                                      (rng.choice(victims),)).fetchone()[0]
            except psycopg.Error as exc:
                stats.kill_note = f"terminating backends disabled: {str(exc).strip()[:120]}"
                return
            if killed:
                with stats.lock:
                    stats.kills += 1


# ---- live display ----------------------------------------------------------------------------
class Display:
    def __init__(self, stats: Stats, seconds: float, workers: int) -> None:
        self.stats, self.workers = stats, workers
        self.progress = Progress(TextColumn("[bold]stress"), BarColumn(),
                                 TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
                                 TimeRemainingColumn())
        self.task = self.progress.add_task("run", total=seconds)
        self.started = time.monotonic()
        self.window: list[tuple[float, int]] = [(self.started, 0)]

    def __rich__(self) -> Group:
        s = self.stats
        now = time.monotonic()
        self.progress.update(self.task, completed=min(now - self.started,
                                                      self.progress.tasks[0].total or 0))
        with s.lock:
            calls = s.total_calls()
            refusals = dict(s.refusals)
            unexpected = dict(s.unexpected)
            row = [s.commits, s.rollbacks, s.lost, s.in_doubt_tx, s.kills]
        self.window.append((now, calls))
        while len(self.window) > 2 and now - self.window[0][0] > 2:
            self.window.pop(0)
        t0, c0 = self.window[0]
        rate = (calls - c0) / (now - t0) if now > t0 else 0.0
        table = Table(box=None, pad_edge=False)
        for c in ("workers", "ops", "ops/s", "committed tx", "rolled back",
                  "lost (killed)", "in doubt", "backends killed"):
            table.add_column(c, justify="right")
        table.add_row(str(self.workers), str(calls), f"{rate:,.0f}", *map(str, row))
        errors = Table(box=None, pad_edge=False, title="errors by SQLSTATE",
                       title_justify="left")
        errors.add_column("SQLSTATE")
        errors.add_column("exception")
        errors.add_column("count", justify="right")
        errors.add_column("")
        for state, n in sorted(refusals.items()):
            errors.add_row(state, _class_name(state), str(n), f"[dim]expected: {EXPECTED[state]}")
        for state, n in sorted(unexpected.items()):
            errors.add_row(f"[red]{state}", _class_name(state), f"[red]{n}", "[red]UNEXPECTED")
        return Group(self.progress, table, errors)


def _class_name(state: str) -> str:
    cls = BY_SQLSTATE.get(state)
    return cls.__name__ if cls else ""


# ---- invariants ------------------------------------------------------------------------------
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(:\d\d)?)$")
DERIVED = ("code_key", "tax_id_key", "sku_key", "barcode_key")  # generated key columns


def _canonical(snapshot: dict) -> dict:
    """A snapshot as values, not text: timestamps in UTC (any rendering of the same instant
    compares equal), generated key columns left out (derived from the code they follow)."""
    out = {}
    for key, value in snapshot.items():
        if key in DERIVED:
            continue
        if isinstance(value, str) and ISO_WITH_OFFSET.match(value):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            value = value.astimezone(dt.timezone.utc)
        out[key] = value
    return out


def _json_rows(conn: psycopg.Connection, fn: str, tenant_id: uuid.UUID, extra: str = ""
               ) -> list[dict]:
    """A list function's rows as the server's own JSON (the form audit snapshots take)."""
    query = f"SELECT to_jsonb(r)::text FROM erp.{fn}(p_tenant_id => %s{extra}) AS r"
    return [json.loads(r[0], parse_float=Decimal) for r in conn.execute(query, (tenant_id,))]


def check_invariants(url: str, tenants: list[TenantState], stats: Stats) -> list[str]:
    """Every violated invariant, one line each (empty: all hold)."""
    problems: list[str] = []
    tenant_of: dict[str, uuid.UUID] = {}  # entity id -> tenant whose rows hold it
    with psycopg.connect(url, autocommit=True) as conn:
        for t in tenants:
            erp = ErpClient(conn, tenant_id=t.id)
            tag = f"tenant {t.name}"
            for p in erp.audit_verify():
                problems.append(f"{tag}: audit_verify {p['problem']} {p['entity_type']} "
                                f"{p['entity_id']} {describe(p['detail'])[:300]}")
            events = list(erp.iter_audit_events(page_size=10000))
            problems += _check_numbers(erp, t, stats, events, tag)
            rows: dict[str, dict[str, dict]] = {
                et: {r["id"]: r for r in _json_rows(conn, fn, t.id, extra)}
                for et, (fn, extra) in ENTITY_LISTS.items()}
            rows["erp.base.tenant"] = {
                str(t.id): _json_rows(conn, "tenant_get", t.id)[0]}
            problems += _check_replay(events, rows, tag)
            problems += _check_tenancy(t, stats, events, rows, tenant_of, tag)
    with stats.lock:
        for state, n in sorted(stats.unexpected.items()):
            problems.append(f"unexpected error {state} x{n}")
        problems += [f"  e.g. {s}" for s in stats.samples[:5]] if stats.unexpected else []
        if stats.commits == 0:
            problems.append("no transaction committed: the workload did not run")
    return problems


def _check_numbers(erp: ErpClient, t: TenantState, stats: Stats, events: list[dict],
                   tag: str) -> list[str]:
    problems = []
    issued: dict[tuple, list[int]] = defaultdict(list)
    code_of = {v: k for k, v in t.seq_ids.items()}
    for e in events:
        if e["event_type"] == "erp.base.sequence.allocated":
            p = e["payload"]
            issued[(t.id, code_of.get(e["entity_id"], "?"), p["period_key"])].append(
                p["allocated_value"])
    with stats.lock:
        seen = {k: list(v) for k, v in stats.numbers.items() if k[0] == t.id}
        doubt = {k: set(v) for k, v in stats.in_doubt.items() if k[0] == t.id}
        dates = {k: v for k, v in stats.period_dates.items() if k[0] == t.id}
    for key in sorted(set(issued) | set(seen) | set(doubt), key=str):
        _, code, period = key
        where = f"{tag}: {code} period {period}"
        values = sorted(issued.get(key, []))
        committed = seen.get(key, [])
        start, step = t.seq_start_step.get(code, (None, None))
        if start is None:
            problems.append(f"{where}: numbers of an unknown sequence")
            continue
        if len(set(committed)) != len(committed):
            dup = sorted(v for v, n in Counter(committed).items() if n > 1)
            problems.append(f"{where}: numbers committed twice to clients: {dup[:10]}")
        if values != list(range(start, start + step * len(values), step)):
            missing = sorted(set(range(start, start + step * len(values), step)) - set(values))
            problems.append(f"{where}: issued numbers are not gapless from {start} "
                            f"(missing {missing[:10]}, {len(values)} issued)")
        lost = sorted(set(committed) - set(values))
        if lost:
            problems.append(f"{where}: numbers committed to clients but not issued: {lost[:10]}")
        unknown = sorted(set(values) - set(committed) - doubt.get(key, set()))
        if unknown:
            problems.append(f"{where}: numbers issued that no client committed: {unknown[:10]}")
        if key in dates or values:
            date = dates.get(key)
            if date is None and period != "all":
                continue  # issued but never seen by a client: reported above
            peek = erp.sequence_peek(code, date)["allocated_value"]
            want = (values[-1] + step) if values else start
            if peek != want:
                problems.append(f"{where}: the counter continues at {peek}, expected {want}")
    return problems


def _check_replay(events: list[dict], rows: dict[str, dict[str, dict]], tag: str) -> list[str]:
    problems = []
    chains: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for e in events:
        if e["entity_version"] is not None:
            chains[(e["entity_type"], str(e["entity_id"]))].append(e)
    for (entity_type, entity_id), chain in chains.items():
        chain.sort(key=lambda e: e["entity_version"])
        where = f"{tag}: {entity_type} {entity_id}"
        versions = [e["entity_version"] for e in chain]
        if versions != list(range(1, len(chain) + 1)):
            problems.append(f"{where}: versions are {versions[:10]}, not 1..{len(chain)}")
            continue
        state = _canonical(chain[0]["payload"])
        for e in chain[1:]:
            state.update(_canonical({k: c["new"] for k, c in (e["changes"] or {}).items()}))
            payload = _canonical(e["payload"])
            state["version"], state["updated_at"] = payload["version"], payload["updated_at"]
            if state != payload:
                problems.append(f"{where}: replay differs from the snapshot of version "
                                f"{e['entity_version']}")
                break
        row = rows.get(entity_type, {}).get(entity_id)
        if row is None:
            problems.append(f"{where}: events without a row in this tenant")
        elif _canonical(row) != _canonical(chain[-1]["payload"]):
            row = _canonical(row)
            diff = sorted(k for k in set(row) | set(state) if row.get(k) != state.get(k))
            problems.append(f"{where}: current row differs from the replayed audit trail "
                            f"(fields {diff})")
    for entity_type, by_id in rows.items():
        for entity_id in by_id:
            if (entity_type, entity_id) not in chains:
                problems.append(f"{tag}: {entity_type} {entity_id} has no audit events")
    return problems


def _check_tenancy(t: TenantState, stats: Stats, events: list[dict],
                   rows: dict[str, dict[str, dict]], tenant_of: dict[str, uuid.UUID],
                   tag: str) -> list[str]:
    problems = []
    for entity_type, by_id in rows.items():
        for entity_id, row in by_id.items():
            if row.get("tenant_id", str(t.id)) != str(t.id):
                problems.append(f"{tag}: {entity_type} {entity_id} carries tenant "
                                f"{row['tenant_id']}")
            other = tenant_of.setdefault(entity_id, t.id)
            if other != t.id:
                problems.append(f"{tag}: {entity_type} {entity_id} is also a row of tenant "
                                f"{other}")
    with stats.lock:
        created = set(stats.created.get(t.id, set()))
    for entity_type, entity_id in created:
        if str(entity_id) not in rows.get(entity_type, {}):
            problems.append(f"{tag}: committed {entity_type} {entity_id} is not in its tenant")
    refs = [("erp.base.product", "uom_id", "erp.base.uom"),
            ("erp.base.product", "purchase_uom_id", "erp.base.uom"),
            ("erp.base.partner", "parent_id", "erp.base.partner"),
            ("erp.base.uom", "category_id", "erp.base.uom_category")]
    for entity_type, column, target in refs:
        for entity_id, row in rows[entity_type].items():
            ref = row.get(column)
            if ref is not None and ref not in rows[target]:
                problems.append(f"{tag}: {entity_type} {entity_id}.{column} = {ref} is not a "
                                f"{target} of this tenant")
    known = {i for by_id in rows.values() for i in by_id}
    strays = {str(e["entity_id"]) for e in events} - known
    for entity_id in sorted(strays)[:10]:
        problems.append(f"{tag}: events of entity {entity_id}, which is not a row of this tenant")
    return problems


# ---- entry point -----------------------------------------------------------------------------
# connections besides the workers': the terminator's, and slack for a worker that reconnects
# while its terminated backend is still exiting
SPARE_CONNECTIONS = 4


def fit_workers(url: str, workers: int, console: Console) -> int:
    """``workers``, or fewer when the server's connection budget (``max_connections`` minus
    the reserved slots and the connections already open) has no room for them, with a note
    saying so; 0 (and a message saying why) when not even one worker fits."""
    from harness.testing import measure_connections

    budget = measure_connections(url)
    room = budget.available - SPARE_CONNECTIONS
    if room >= workers:
        return workers
    if room < 1:
        console.print(f"[bold red]stress: needs at least {1 + SPARE_CONNECTIONS} connections "
                      f"(1 worker, the terminator and {SPARE_CONNECTIONS - 1} spare), the "
                      f"server allows {budget.available} ({budget.describe()})[/]")
        return 0
    console.print(f"[yellow]note: {room} workers instead of {workers}: the server allows "
                  f"{budget.available} more connections ({budget.describe()}), "
                  f"{SPARE_CONNECTIONS} of them kept for the terminator and reconnects[/]")
    return room


def run(url: str, workers: int = 100, seconds: float = 30, tenants: int = 8,
        kill_interval: float = 0.25, rollback_rate: float = 0.1, seed: int | None = None,
        before_check: Callable[[str, list[TenantState], Stats], None] | None = None,
        console: Console | None = None) -> int:
    """Run the workload, check the invariants, print a report; 0 when every invariant holds.

    ``before_check(url, tenants, stats)`` runs after the workload, before the checks (tests
    use it to break an invariant on purpose).
    """
    console = console or Console()
    workers = fit_workers(url, workers, console)
    if not workers:
        return 1
    seed = seed if seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    kills = f"a backend terminated every {kill_interval:g} s" if kill_interval else "no kills"
    console.print(f"[bold]stress[/]: {workers} workers, {seconds:g} s, {tenants} tenants, "
                  f"rollback rate {rollback_rate:g}, {kills} (seed {seed})")
    started = time.perf_counter()
    states = setup_tenants(url, tenants, rng)
    stats, stop, pids = Stats(), threading.Event(), {}
    pool = [Worker(i, url, states, stats, stop, pids, rollback_rate, rng.randrange(2**32))
            for i in range(workers)]
    killer = None
    if kill_interval > 0:
        killer = threading.Thread(target=terminator, daemon=True, name="stress-terminator",
                                  args=(url, kill_interval, pids, stats, stop,
                                        random.Random(rng.randrange(2**32))))
    display = Display(stats, seconds, workers)
    t0 = time.monotonic()
    with Live(display, console=console, refresh_per_second=4, transient=False):
        for w in pool:
            w.start()
        if killer:
            killer.start()
        while time.monotonic() - t0 < seconds:
            time.sleep(0.1)
        stop.set()
        for w in pool:
            w.join()
        if killer:
            killer.join()
    console.print()
    elapsed = time.monotonic() - t0
    if stats.kill_note:
        console.print(f"[yellow]{stats.kill_note}[/]")

    if before_check:
        before_check(url, states, stats)
    with console.status("checking invariants…"):
        problems = check_invariants(url, states, stats)
    summary(console, stats, elapsed, states)
    if problems:
        console.print(f"[bold red]{len(problems)} invariant violation(s):[/]")
        for p in problems[:50]:
            console.print(f"  [red]✗[/] {p}", highlight=False, soft_wrap=True)
        if len(problems) > 50:
            console.print(f"  … and {len(problems) - 50} more")
        return 1
    console.print(f"[bold green]all invariants hold[/] "
                  f"({time.perf_counter() - started:.1f} s in total)")
    return 0


def summary(console: Console, stats: Stats, elapsed: float, tenants: list[TenantState]) -> None:
    table = Table(title="operations (function calls that succeeded)", title_justify="left")
    table.add_column("function")
    table.add_column("ops", justify="right")
    table.add_column("per second", justify="right")
    for name, n in sorted(stats.calls.items(), key=lambda kv: -kv[1]):
        table.add_row(name, str(n), f"{n / elapsed:,.0f}")
    total = stats.total_calls()
    table.add_row("[bold]total", f"[bold]{total}", f"[bold]{total / elapsed:,.0f}")
    console.print(table)
    issued = sum(len(v) for v in stats.numbers.values())
    console.print(
        f"{stats.commits} transactions committed ({stats.commits / elapsed:,.0f}/s), "
        f"{stats.rollbacks} rolled back on purpose, {stats.lost} lost to {stats.kills} "
        f"terminated backends, {stats.in_doubt_tx} in doubt; {issued} numbers committed; "
        f"refusals: " + (", ".join(f"{k} {_class_name(k)} {v}"
                                   for k, v in sorted(stats.refusals.items())) or "none"))
    if stats.in_doubt_tx:
        console.print(
            f"[dim]in doubt: {stats.in_doubt_tx} transaction(s) lost their connection during "
            "COMMIT, so the client cannot know whether they committed (the server may have "
            "committed just before the backend was terminated). Their numbers may or may not be "
            "issued; the invariants accept either, but never a gap or a number issued twice.[/]")
