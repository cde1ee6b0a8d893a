"""``python -m harness bench``: the project's calls against raw SQL baselines, in one run.

Everything runs in a database of its own (created on the given server, migrated, dropped at
the end; ``ERP_BENCH_KEEP=1`` keeps it): raw baselines and project calls at 1/16/64/100
client connections, 1/100/500 audited writes per transaction, document postings at 16/64
(numbers allocated first, last or at commit), a 100k-row audited batch, writers with and
without a concurrent sealer, then 10M audit events over 24 monthly partitions, the audit
reads, seal and feed throughput. Results: a table on screen, ``bench/results/latest.json``,
``latest.md`` (the README's results section, targets first) and ``throughput.png``
(``--quick`` writes to ``bench/results/quick/``).

The driver is pgbench when installed (``ERP_BENCH_DRIVER=python`` for Python threads); see
``benchlib/drivers.py`` for why. Measure on a data directory on disk with fsync and
synchronous_commit on (``make bench`` starts such a cluster): on tmpfs a commit is free and
every ratio is meaningless; the run says so loudly when the server is not set up like that.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from erp_ops import migrate
from harness.benchlib import cases as cases_mod
from harness.benchlib import (
    cases_flash,
    cases_inventory,
    cases_sales,
    drivers,
    machine,
    report,
    schema,
)

RESULTS = migrate.ROOT / "bench" / "results"
# parts of a run that are not cases; ``only`` may name them next to case keys
SECTIONS = ("batch", "flash", "seal_impact", "events", "seal", "feed")
WRITE_GROUPS = ("sequence", "write", "txsize", "posting", "numbers", "sales", "sales_numbers",
                "inventory")


@dataclass(frozen=True)
class Config:
    duration: float  # measured seconds per (case, clients), split over ``rounds``
    warmup: float  # per round
    rounds: int
    concurrency: tuple[int, ...]
    posting: tuple[int, ...]
    numbers: tuple[int, ...]  # numbers at commit: document postings with 10 ms of work
    reads: tuple[int, ...]
    cost_seconds: float  # per case: one connection, backend CPU and WAL per transaction
    batch_rows: int
    batch_reps: int
    events: int  # generated audit events for the reads, seal and feed
    months: int  # ... over this many monthly partitions
    partners: int
    checkpoint: bool
    seal_events: int  # sealed tenant by tenant for the seal throughput
    seal_clients: int  # writers while a sealer loop runs
    seal_seconds: float  # per side (with / without the sealer), split over ``rounds``
    seal_interval: float  # seconds between two erp.audit_seal() calls of the sealer loop
    server_samples: int  # EXPLAIN ANALYZE runs per audit read

    @classmethod
    def for_run(cls, quick: bool) -> Config:
        if quick:
            return cls(duration=0.7, warmup=0.3, rounds=1, concurrency=(1, 16), posting=(16,),
                       numbers=(64,), reads=(1,), cost_seconds=0.2,
                       batch_rows=10_000, batch_reps=1, events=60_000, months=24,
                       partners=1_000, checkpoint=False, seal_events=20_000, seal_clients=16,
                       seal_seconds=1.0, seal_interval=0.1, server_samples=20)
        return cls(duration=5.0, warmup=0.5, rounds=2, concurrency=cases_mod.CONCURRENCY,
                   posting=cases_mod.POSTING, numbers=cases_mod.POSTING, reads=cases_mod.READS,
                   cost_seconds=1.5, batch_rows=100_000, batch_reps=3, events=10_000_000,
                   months=24, partners=10_000, checkpoint=True, seal_events=1_000_000,
                   seal_clients=16, seal_seconds=10.0, seal_interval=0.1, server_samples=100)

    def levels(self, case: cases_mod.Case) -> tuple[int, ...]:
        allowed = {"posting": self.posting, "numbers": self.numbers, "sales_numbers": self.numbers,
                   "read": self.reads}.get(case.group, self.concurrency)
        return tuple(c for c in case.clients if c in allowed)


def run(url: str, quick: bool = False, driver: str | None = None,
        results_dir: Path | None = None, only: tuple[str, ...] | None = None) -> int:
    """Run the benchmark against the server at ``url``; returns a process exit code.

    ``only`` restricts the run to the cases named (keys such as ``seq.raw``) and the parts
    named (``batch``, ``seal_impact``, ``events``, ``seal``, ``feed``); the audit events are
    generated when a read case, ``seal`` or ``feed`` is named."""
    # a log file or CI gets the full table width, a terminal its own width
    console = Console() if sys.stdout.isatty() else Console(width=150)
    cfg = Config.for_run(quick)
    drv = drivers.make_driver(driver or os.environ.get("ERP_BENCH_DRIVER"))
    # a smoke run must not overwrite the full run's results (the README quotes those)
    out_dir = results_dir or (RESULTS / "quick" if quick else RESULTS)
    dbname = f"erp_bench_{os.getpid()}_{int(time.time())}"
    admin_url = url
    bench_url = make_conninfo(url, dbname=dbname)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        return _run(console, cfg, drv, bench_url, dbname, out_dir, quick, only)
    finally:
        if os.environ.get("ERP_BENCH_KEEP"):
            console.print(f"kept database {dbname}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _wanted(only: tuple[str, ...] | None, part: str) -> bool:
    return only is None or part in only


def _run(console: Console, cfg: Config, drv, url: str, dbname: str, out_dir: Path,
         quick: bool, only: tuple[str, ...] | None) -> int:
    started = time.monotonic()
    load_before = os.getloadavg()
    if load_before[0] > (os.cpu_count() or 1):
        console.print(f"[yellow]the machine is busy (load average {load_before[0]:.1f} on "
                      f"{os.cpu_count()} CPUs): absolute numbers will be low and noisy[/]")
    console.print(f"[bold]migrating[/] a fresh database {dbname}")
    # a database of its own, dropped afterwards: it may share the cluster's roles with an
    # erp.base database already there (a first install refuses that unless told)
    migrate.migrate(make_conninfo(url, options=f"-c {migrate.ALLOW_SHARED_ROLES}=on"),
                    log=lambda *_: None)
    with psycopg.connect(url, autocommit=True) as conn:
        info = {"machine": machine.machine(), "server": machine.server(conn)}
        data_dir = info["server"]["settings"].get("data_directory") or ""
        # the data directory's file system, when the server runs on this machine
        data_parent = os.path.dirname(data_dir) if os.path.exists(data_dir) else None
        info["fdatasync_us_before"] = machine.fdatasync_us(data_parent)
        if not info["server"]["production_like"]:
            console.print("[bold red]WARNING: not a production-like server: "
                          + "; ".join(info["server"]["problems"])
                          + ". Ratios measured here are meaningless (see README).[/]")
        defines = schema.setup(conn, dbname, cfg.partners,
                               log=lambda m: console.print(f"[dim]setup:[/] {m}"))
        defines.update(cases_inventory.setup(conn, lambda m: console.print(f"[dim]setup:[/] {m}")))
        defines.update(cases_sales.setup(conn, defines["tenant"]))
    defines["partners"] = cfg.partners
    with psycopg.connect(url) as conn:
        available = {name for c in cases_mod.ALL for name in c.requires
                     if schema.has_function(conn, name)}
    selected = [c for c in cases_mod.ALL if only is None or c.key in only]
    skipped = [c.key for c in selected if not set(c.requires) <= available]
    runnable = [c for c in selected if set(c.requires) <= available]
    if skipped:
        console.print(f"[yellow]skipped (function not installed):[/] {', '.join(skipped)}")

    results: dict[str, dict[int, drivers.RunResult]] = {}
    plan = [(group, clients, [c for c in runnable if c.group == group and clients in cfg.levels(c)])
            for group in WRITE_GROUPS
            for clients in sorted({n for c in runnable if c.group == group for n in cfg.levels(c)})]
    with _progress(console) as progress:
        _run_plan(progress, plan, cfg, drv, url, defines, results)
        costs = measure_costs(progress, [c for c in runnable if c.group != "read"], url,
                              defines, cfg)

    extra: dict = {}
    batch: list[dict] = []
    if _wanted(only, "batch"):
        batch = run_batch(console, url, defines, cfg)
    if _wanted(only, "flash"):
        extra["flash"] = cases_flash.run(console, url, quick)
    if _wanted(only, "seal_impact"):
        extra["seal_impact"] = run_seal_impact(console, cfg, drv, url, defines)
    reads = [c for c in runnable if c.group == "read"]
    events = 0
    if only is None or reads or {"events", "seal", "feed"} & set(only):
        extra["events"] = make_events(console, url, cfg)
        extra["history_check"] = schema.check_history(url)
        events = extra["events"]["total"]
        plan = [("read", clients, [c for c in reads if clients in cfg.levels(c)])
                for clients in cfg.reads]
        with _progress(console) as progress:
            _run_plan(progress, plan, cfg, drv, url, defines, results)
            costs.update(measure_costs(progress, reads, url, defines, cfg))
    if reads:
        extra["server_ms"] = server_times(url, cfg.server_samples,
                                          [c.key for c in reads])
    if events and _wanted(only, "seal"):
        extra["seal"] = run_seal(console, url, cfg)
    if events and _wanted(only, "feed"):
        extra["feed"] = run_feed(console, url)

    rows = report.build_rows(results, costs)
    verdicts = report.targets(rows, batch, extra)
    info.update({
        "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick, "driver": drv.name, "duration_s": cfg.duration,
        "warmup_s": cfg.warmup, "rounds": cfg.rounds, "audit_events": events,
        "skipped": skipped, "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "fdatasync_us_after": machine.fdatasync_us(data_parent),
        "elapsed_s": round(time.monotonic() - started, 1),
    })
    report.print_tables(console, rows, batch, verdicts, info, extra)
    payload = {**info, "targets": [v.as_dict() for v in verdicts], "cases": rows,
               "batch": batch, **extra, "before_0_1_0": {
                   "source": report.BEFORE_SOURCE,
                   "cpu_us_wal_bytes_per_tx": report.BEFORE_0_1_0},
               "scripts": {c.key: c.script for c in runnable}}
    report.write_json(out_dir / "latest.json", payload)
    (out_dir / "latest.md").write_text(report.markdown(rows, batch, verdicts, info, extra))
    plotted = report.plot(rows, out_dir / "throughput.png",
                          f"erp.base bench {info['generated_at']} — "
                          f"{info['machine']['cpu_model']}, {info['machine']['nproc']} CPUs, fsync="
                          f"{info['server']['settings']['fsync']}, driver {drv.name}")
    console.print(f"wrote {out_dir / 'latest.json'}, latest.md"
                  + (", throughput.png" if plotted else " (no matplotlib: no plot)")
                  + f" in {info['elapsed_s']} s")
    errors = sum(r["errors"] for r in rows)
    impact = extra.get("seal_impact") or {}
    errors += sum((impact.get(side) or {}).get("errors", 0) for side in ("with", "without"))
    if errors:
        first = next((r.get("error") for r in rows if r["errors"]), None) or impact.get("error")
        console.print(f"[red]{errors} failed transactions[/] (first: {first})")
        return 1
    return 0


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                    "{task.total}"), TimeElapsedColumn(), console=console, transient=True)


def _run_plan(progress: Progress, plan, cfg: Config, drv, url: str, defines: dict,
              results: dict) -> None:
    """Per client count, every case of the group in turn, ``rounds`` times: baselines and
    project calls alternate, so a slow drift (checkpoints, autovacuum, other work on the
    machine) hits both sides of a ratio alike. Each run's server CPU is the CPU of the
    backends that ended during it (``drivers.ReapedCpu``)."""
    total = sum(len(cs) for _, _, cs in plan) * cfg.rounds
    task = progress.add_task("cases", total=total)
    with psycopg.connect(url, autocommit=True) as admin:
        cpu = drivers.ReapedCpu(admin)
        for _group, clients, group_cases in plan:
            for rnd in range(cfg.rounds):
                for case in group_cases:
                    progress.update(task, description=f"{case.key} × {clients} clients "
                                    f"(round {rnd + 1}/{cfg.rounds})")
                    if cfg.checkpoint:
                        admin.execute("CHECKPOINT")  # each run starts from the same WAL state
                    cpu.start()
                    r = drv.run(url, case.script, clients, cfg.duration / cfg.rounds,
                                cfg.warmup, defines)
                    r.server_cpu_ns = cpu.stop(admin)
                    r.load1 = os.getloadavg()[0]
                    prev = results.setdefault(case.key, {}).get(clients)
                    results[case.key][clients] = r if prev is None else prev.merge(r)
                    progress.advance(task)


def measure_costs(progress: Progress, run_cases: list, url: str, defines: dict,
                  cfg: Config) -> dict[str, dict]:
    """Backend CPU time, WAL bytes, WAL records and full-page images per transaction of each
    case, one client (after a CHECKPOINT in full runs: every case from the same WAL state)."""
    task = progress.add_task("server cost per transaction", total=len(run_cases))
    out = {}
    for case in run_cases:
        progress.update(task, description=f"server cost of {case.key}")
        cost = drivers.server_cost(url, case.script, defines, cfg.cost_seconds,
                                   warmup=min(0.5, cfg.cost_seconds / 2),
                                   checkpoint=cfg.checkpoint)
        if cost is not None:
            out[case.key] = cost
        progress.advance(task)
    return out


# ---- writers while a sealer runs (issue: "writers lose less than 10 % while a seal runs") ------
SEAL_WRITER = "w.uom_create"


def _sealer(url: str, stop: threading.Event, interval: float, stats: dict) -> None:
    """erp.audit_seal() of every tenant, again ``interval`` seconds after each call ends."""
    with psycopg.connect(url, autocommit=True) as c:
        while not stop.is_set():
            t0 = time.perf_counter()
            n = c.execute("SELECT coalesce(sum(s.events), 0)::bigint FROM erp.audit_seal() AS s"
                          ).fetchone()[0]
            stats["seconds"] += time.perf_counter() - t0
            stats["calls"] += 1
            stats["events"] += n
            stop.wait(interval)


def run_seal_impact(console: Console, cfg: Config, drv, url: str, defines: dict) -> dict:
    """``SEAL_WRITER`` at ``seal_clients`` clients without and with a sealer loop in another
    connection (erp.audit_seal() every ``seal_interval`` s), alternating, ``rounds`` times.
    First one seal call catches up on what the cases wrote, so that the loop seals what the
    writers write while they write it (the steady state of a scheduled sealer)."""
    case = cases_mod.BY_KEY[SEAL_WRITER]
    with console.status("seal: catching up on the cases' events"), \
            psycopg.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        caught = conn.execute("SELECT coalesce(sum(s.events), 0)::bigint, count(*) "
                              "FROM erp.audit_seal() AS s").fetchone()
        catch_s = time.perf_counter() - t0
    sides: dict[str, drivers.RunResult] = {}
    stats = {"calls": 0, "events": 0, "seconds": 0.0}
    with _progress(console) as progress, psycopg.connect(url, autocommit=True) as admin:
        task = progress.add_task("writers and sealer", total=2 * cfg.rounds)
        cpu = drivers.ReapedCpu(admin)
        for rnd in range(cfg.rounds):
            for side in ("without", "with"):
                progress.update(task, description=f"{case.key} × {cfg.seal_clients} clients, "
                                f"{side} a sealer (round {rnd + 1}/{cfg.rounds})")
                if cfg.checkpoint:
                    admin.execute("CHECKPOINT")
                stop = threading.Event()
                sealer = threading.Thread(target=_sealer, daemon=True,
                                          args=(url, stop, cfg.seal_interval, stats))
                cpu.start()
                if side == "with":
                    sealer.start()
                r = drv.run(url, case.script, cfg.seal_clients, cfg.seal_seconds / cfg.rounds,
                            cfg.warmup, defines)
                if side == "with":
                    stop.set()
                    sealer.join()
                r.server_cpu_ns = cpu.stop(admin)  # the sealer's CPU counts for "with"
                prev = sides.get(side)
                sides[side] = r if prev is None else prev.merge(r)
                progress.advance(task)
    without, with_ = sides["without"], sides["with"]
    return {
        "case": case.key, "label": case.label, "clients": cfg.seal_clients,
        "interval_ms": cfg.seal_interval * 1000,
        "without": without.summary(), "with": with_.summary(),
        "drop_pct": round((1 - with_.tps / without.tps) * 100, 1) if without.tps else None,
        "sealer": {**stats, "seconds": round(stats["seconds"], 2),
                   "ms_per_call": round(stats["seconds"] / max(1, stats["calls"]) * 1000, 1)},
        "catch_up": {"events": caught[0], "blocks": caught[1], "seconds": round(catch_s, 2),
                     "events_per_s": round(caught[0] / catch_s, 1) if catch_s else None},
        "error": without.error or with_.error,
    }


# ---- one big call: 100k audited rows ---------------------------------------------------------
BATCH_BARE = """
INSERT INTO bench.products (tenant_id, id, sku, name, uom_id, list_price)
SELECT %(tenant)s, erp.uuid_v7(), r.sku, r.name, r.uom_id, r.list_price
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (sku text, name text, uom_id uuid, list_price numeric)
"""
BATCH_CTE = """
WITH ins AS (
    INSERT INTO bench.products (tenant_id, id, sku, name, uom_id, list_price)
    SELECT %(tenant)s, erp.uuid_v7(), r.sku, r.name, r.uom_id, r.list_price
    FROM jsonb_to_recordset(%(rows)s::jsonb)
        AS r (sku text, name text, uom_id uuid, list_price numeric)
    RETURNING *
), audit AS (
    INSERT INTO bench.audit_events (tenant_id, id, actor_user_id, actor_type, entity_type,
        entity_id, event_type, trace_id, payload, entity_version)
    SELECT ins.tenant_id, erp.uuid_v7(), %(actor)s, 'USER', 'erp.base.product', ins.id,
        'erp.base.product.created', 'bench', row_to_json(ins)::jsonb, ins.version
    FROM ins
)
SELECT count(*) FROM ins
"""
BATCH_GENERIC = """
SELECT count(*) FROM erp.atomic_insert_many_with_audit(%(tenant)s, %(actor)s, 'USER', 'bench',
    'erp.base.product', %(rows)s::jsonb)
"""
BATCH_CASES = [
    ("b.bare", "raw INSERT … SELECT FROM jsonb_to_recordset (no audit)", BATCH_BARE, None),
    ("b.cte", "raw CTE insert + audit, set-based", BATCH_CTE, "b.bare"),
    ("b.generic", "erp.atomic_insert_many_with_audit", BATCH_GENERIC, "b.bare"),
]


def run_batch(console: Console, url: str, defines: dict, cfg: Config) -> list[dict]:
    """Each way of writing ``batch_rows`` products in one call, timed from the client
    (sending the JSON, the statement, the commit), median of ``batch_reps``."""
    out: list[dict] = []
    with console.status(f"batch: {cfg.batch_rows:,} rows per call"), \
            psycopg.connect(url, autocommit=True) as conn:
        for key, label, sql, _ in BATCH_CASES:
            times = []
            for rep in range(cfg.batch_reps):
                rows = json.dumps([{"sku": f"{key}-{rep}-{i}", "name": f"Bulk product {i}",
                                    "uom_id": defines["uom"], "list_price": 9.99}
                                   for i in range(cfg.batch_rows)])
                conn.execute("CHECKPOINT")
                t0 = time.perf_counter()
                cur = conn.execute(sql, {"tenant": defines["tenant"],
                                         "actor": defines["actor"], "rows": rows})
                if cur.description is not None:
                    cur.fetchall()
                times.append(time.perf_counter() - t0)
            seconds = statistics.median(times)
            out.append({"key": key, "label": label, "rows": cfg.batch_rows, "reps": len(times),
                        "seconds": round(seconds, 3), "all_seconds": [round(t, 3) for t in times],
                        "rows_per_s": round(cfg.batch_rows / seconds, 1)})
    base = {b["key"]: b for b in out}
    for b, (_, _, _, baseline) in zip(out, BATCH_CASES, strict=True):
        if baseline in base:
            b["baseline"] = baseline
            b["ratio"] = round(b["rows_per_s"] / base[baseline]["rows_per_s"], 3)
    return out


# ---- the audit trail at scale ------------------------------------------------------------------
def make_events(console: Console, url: str, cfg: Config) -> dict:
    """Fill the audit trail with ``cfg.events`` events over ``cfg.months`` monthly partitions
    (+ what the cases wrote), then VACUUM ANALYZE and a CHECKPOINT."""
    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0]
    t0 = time.perf_counter()
    with Progress(TextColumn("audit events"), BarColumn(), TextColumn("{task.completed:,}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("events", total=cfg.events)
        made = schema.generate_events(url, cfg.events, cfg.months,
                                      lambda n: progress.advance(task, n))
    with psycopg.connect(url, autocommit=True) as conn:
        total = conn.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0]
        conn.execute("CHECKPOINT")  # the reads start with the generated pages on disk
    seconds = time.perf_counter() - t0
    console.print(f"[dim]audit trail:[/] {have:,} events from the cases + "
                  f"{made['written']:,} generated over {made['months']} months "
                  f"({made['partitions']} partitions) = {total:,} in {seconds:.0f} s")
    return {**made, "total": total, "from_cases": have, "generated": made["written"],
            "seconds": round(seconds, 1)}


SERVER_SQL = {
    "r.history": ("SELECT a.* FROM bench.hist_entities AS h, erp.audit_history(h.tenant_id, "
                  "h.entity_type, h.entity_id) AS a WHERE h.n = %s", 1000),
    "r.as_of": ("SELECT erp.entity_as_of(h.tenant_id, h.entity_type, h.entity_id, h.as_of) "
                "FROM bench.hist_entities AS h WHERE h.n = %s", 1000),
    "r.page": ("SELECT * FROM erp.audit_events(p_tenant_id => (SELECT m.tenant_id FROM "
               "bench.page_marks AS m WHERE m.n = %s), p_limit => 100)", 64),
    "r.deep": ("SELECT a.* FROM bench.page_marks AS m, erp.audit_events(p_tenant_id => "
               "m.tenant_id, p_after => m.after_id, p_limit => 100) AS a WHERE m.n = %s", 64),
}


def server_times(url: str, samples: int = 40, keys: list[str] | None = None) -> dict[str, dict]:
    """Server-side execution time (EXPLAIN ANALYZE) of each audit read: median and p95, ms."""
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for key, (sql, targets) in SERVER_SQL.items():
            if keys is not None and key not in keys:
                continue
            times = []
            for i in range(samples):
                n = 1 + (i * 37) % targets
                plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", (n,)).fetchone()[0]
                times.append(plan[0]["Execution Time"])
            times.sort()
            out[key] = {"p50": round(statistics.median(times), 4),
                        "p95": round(times[max(0, -(-95 * len(times) // 100) - 1)], 4),
                        "samples": len(times)}
    return out


def run_seal(console: Console, url: str, cfg: Config) -> dict:
    """Seal throughput: erp.audit_seal(tenant) tenant by tenant (from the second: the first
    holds the cases' events) until ``seal_events`` events are sealed; then the verification
    of the first tenant sealed (erp.audit_seal_verify), which reads the same events again."""
    total = blocks = 0
    seconds = 0.0
    done: list[str] = []
    with console.status("seal throughput"), psycopg.connect(url, autocommit=True) as conn:
        tenants = [r[0] for r in conn.execute(
            "SELECT id FROM erp.erp_tenants ORDER BY id OFFSET 1")]
        for tenant in tenants:
            t0 = time.perf_counter()
            n, b = conn.execute("SELECT coalesce(sum(s.events), 0)::bigint, count(*) "
                                "FROM erp.audit_seal(%s) AS s", (tenant,)).fetchone()
            seconds += time.perf_counter() - t0
            total += n
            blocks += b
            done.append(tenant)
            if total >= cfg.seal_events:
                break
        out = {"events": total, "blocks": blocks, "tenants": len(done),
               "seconds": round(seconds, 2),
               "events_per_s": round(total / seconds, 1) if seconds else None}
        if done:
            sealed = conn.execute("SELECT events FROM erp.audit_seal_head(%s)",
                                  (done[0],)).fetchone()[0]
            t0 = time.perf_counter()
            problems = len(conn.execute("SELECT * FROM erp.audit_seal_verify(%s)",
                                        (done[0],)).fetchall())
            verify_s = time.perf_counter() - t0
            out.update({"verify_events": sealed, "verify_seconds": round(verify_s, 2),
                        "verify_problems": problems,
                        "verify_events_per_s": round(sealed / verify_s, 1) if verify_s else None})
    return out


def run_feed(console: Console, url: str, page_size: int = 1000) -> dict:
    """Feed throughput: one tenant's whole feed (the second tenant: generated events only),
    read from the start in pages of ``page_size``, every column, as a consumer reads it."""
    pages: list[float] = []
    events = 0
    with console.status("feed throughput"), psycopg.connect(url, autocommit=True) as conn:
        tenant = conn.execute("SELECT id FROM erp.erp_tenants ORDER BY id OFFSET 1 LIMIT 1"
                              ).fetchone()[0]
        expected = conn.execute("SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s",
                                (tenant,)).fetchone()[0]
        after = None
        t_all = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            rows = conn.execute("SELECT * FROM erp.audit_feed(%s, %s, %s)",
                                (tenant, after, page_size)).fetchall()
            pages.append((time.perf_counter() - t0) * 1000)
            if not rows:
                break
            events += len(rows)
            after = rows[-1][0]
        seconds = time.perf_counter() - t_all
    ordered = sorted(pages)
    return {"tenant": str(tenant), "page_size": page_size, "events": events,
            "expected": expected, "complete": events == expected, "pages": len(pages) - 1,
            "seconds": round(seconds, 2),
            "events_per_s": round(events / seconds, 1) if seconds else None,
            "page_p50_ms": round(statistics.median(ordered), 2),
            "page_p95_ms": round(ordered[max(0, -(-95 * len(ordered) // 100) - 1)], 2)}
