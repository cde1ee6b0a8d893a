"""``python -m harness bench``: the project's calls against raw SQL baselines, in one run.

Everything runs in a database of its own (created on the given server, migrated, dropped at
the end; ``ERP_BENCH_KEEP=1`` keeps it): raw baselines and project calls at 1/16/64/100
client connections, document postings at 16/64, a 100k-row audited batch, then 1M+ audit
events and the audit reads. Results: a table on screen, ``bench/results/latest.json``,
``latest.md`` (the README's results section) and ``throughput.png`` (``--quick`` writes to
``bench/results/quick/``).

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
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from harness import migrate
from harness.benchlib import cases as cases_mod
from harness.benchlib import drivers, machine, report, schema

RESULTS = migrate.ROOT / "bench" / "results"


@dataclass(frozen=True)
class Config:
    duration: float  # measured seconds per (case, clients), split over ``rounds``
    warmup: float  # per round
    rounds: int
    concurrency: tuple[int, ...]
    posting: tuple[int, ...]
    reads: tuple[int, ...]
    cost_seconds: float  # per case: one connection, backend CPU and WAL per transaction
    batch_rows: int
    batch_reps: int
    events: int
    partners: int
    checkpoint: bool

    @classmethod
    def for_run(cls, quick: bool) -> Config:
        if quick:
            return cls(duration=0.7, warmup=0.3, rounds=1, concurrency=(1, 16), posting=(16,),
                       reads=(1,), cost_seconds=0.2,
                       batch_rows=10_000, batch_reps=1, events=50_000, partners=1_000,
                       checkpoint=False)
        return cls(duration=5.0, warmup=0.5, rounds=2, concurrency=cases_mod.CONCURRENCY,
                   posting=cases_mod.POSTING, reads=cases_mod.READS, cost_seconds=1.5,
                   batch_rows=100_000,
                   batch_reps=3, events=1_050_000, partners=10_000, checkpoint=True)

    def levels(self, case: cases_mod.Case) -> tuple[int, ...]:
        allowed = {"posting": self.posting, "read": self.reads}.get(case.group, self.concurrency)
        return tuple(c for c in case.clients if c in allowed)


def run(url: str, quick: bool = False, driver: str | None = None,
        results_dir: Path | None = None, only: tuple[str, ...] | None = None) -> int:
    """Run the benchmark against the server at ``url``; returns a process exit code.

    ``only`` restricts the cases (keys such as ``seq.raw``); a restricted run skips the
    batch, the 1M events and the reads unless a read case is named."""
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


def _run(console: Console, cfg: Config, drv, url: str, dbname: str, out_dir: Path,
         quick: bool, only: tuple[str, ...] | None) -> int:
    started = time.monotonic()
    load_before = os.getloadavg()
    if load_before[0] > (os.cpu_count() or 1):
        console.print(f"[yellow]the machine is busy (load average {load_before[0]:.1f} on "
                      f"{os.cpu_count()} CPUs): absolute numbers will be low and noisy[/]")
    console.print(f"[bold]migrating[/] a fresh database {dbname}")
    migrate.migrate(url, log=lambda *_: None)
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
            for group in ("sequence", "write", "posting")
            for clients in sorted({n for c in runnable if c.group == group for n in cfg.levels(c)})]
    with _progress(console) as progress:
        _run_plan(progress, plan, cfg, drv, url, defines, results)
        costs = measure_costs(progress, [c for c in runnable if c.group != "read"], url,
                              defines, cfg)

    batch: list[dict] = []
    events = 0
    reads = [c for c in runnable if c.group == "read"]
    if only is None:
        batch = run_batch(console, url, defines, cfg)
    if only is None or reads:
        events = make_events(console, url, cfg)
        plan = [("read", clients, [c for c in reads if clients in cfg.levels(c)])
                for clients in cfg.reads]
        with _progress(console) as progress:
            _run_plan(progress, plan, cfg, drv, url, defines, results)
            costs.update(measure_costs(progress, reads, url, defines, cfg))
    server_ms = server_times(url) if reads else {}

    rows = report.build_rows(results, costs)
    for r in rows:
        if r["key"] in server_ms and r["clients"] == 1:
            r["server_p50_ms"] = server_ms[r["key"]]
    verdicts = report.targets(rows, batch)
    info.update({
        "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick, "driver": drv.name, "duration_s": cfg.duration,
        "warmup_s": cfg.warmup, "rounds": cfg.rounds, "audit_events": events,
        "skipped": skipped, "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "fdatasync_us_after": machine.fdatasync_us(data_parent),
        "elapsed_s": round(time.monotonic() - started, 1),
    })
    report.print_tables(console, rows, batch, verdicts, info)
    payload = {**info, "cases": rows, "batch": batch,
               "targets": [v.as_dict() for v in verdicts],
               "scripts": {c.key: c.script for c in runnable}}
    report.write_json(out_dir / "latest.json", payload)
    (out_dir / "latest.md").write_text(report.markdown(rows, batch, verdicts, info))
    plotted = report.plot(rows, out_dir / "throughput.png",
                          f"erp.base bench {info['generated_at']} — "
                          f"{info['machine']['cpu_model']}, {info['machine']['nproc']} CPUs, fsync="
                          f"{info['server']['settings']['fsync']}, driver {drv.name}")
    console.print(f"wrote {out_dir / 'latest.json'}, latest.md"
                  + (", throughput.png" if plotted else " (no matplotlib: no plot)")
                  + f" in {info['elapsed_s']} s")
    errors = sum(r["errors"] for r in rows)
    if errors:
        first = next(r.get("error") for r in rows if r["errors"])
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
    machine) hits both sides of a ratio alike."""
    total = sum(len(cs) for _, _, cs in plan) * cfg.rounds
    task = progress.add_task("cases", total=total)
    with psycopg.connect(url, autocommit=True) as admin:
        for _group, clients, group_cases in plan:
            for rnd in range(cfg.rounds):
                for case in group_cases:
                    progress.update(task, description=f"{case.key} × {clients} clients "
                                    f"(round {rnd + 1}/{cfg.rounds})")
                    if cfg.checkpoint:
                        admin.execute("CHECKPOINT")  # each run starts from the same WAL state
                    r = drv.run(url, case.script, clients, cfg.duration / cfg.rounds,
                                cfg.warmup, defines)
                    r.load1 = os.getloadavg()[0]
                    prev = results.setdefault(case.key, {}).get(clients)
                    results[case.key][clients] = r if prev is None else prev.merge(r)
                    progress.advance(task)


def measure_costs(progress: Progress, run_cases: list, url: str, defines: dict,
                  cfg: Config) -> dict[str, dict]:
    """Backend CPU time and WAL bytes per transaction of each case, one client."""
    task = progress.add_task("server cost per transaction", total=len(run_cases))
    out = {}
    for case in run_cases:
        progress.update(task, description=f"server cost of {case.key}")
        cost = drivers.server_cost(url, case.script, defines, cfg.cost_seconds,
                                   warmup=min(0.2, cfg.cost_seconds / 2))
        if cost is not None:
            out[case.key] = cost
        progress.advance(task)
    return out


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
        entity_id, event_type, trace_id, payload)
    SELECT ins.tenant_id, erp.uuid_v7(), %(actor)s, 'USER', 'erp.base.product', ins.id,
        'erp.base.product.created', 'bench', row_to_json(ins)::jsonb
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


def make_events(console: Console, url: str, cfg: Config) -> int:
    """Fill the audit trail to ``cfg.events`` (+ what the cases wrote), then VACUUM ANALYZE."""
    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0]
    with Progress(TextColumn("audit events"), BarColumn(), TextColumn("{task.completed:,}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("events", total=cfg.events)
        schema.generate_events(url, cfg.events, lambda n: progress.advance(task, n))
    with psycopg.connect(url, autocommit=True) as conn:
        total = conn.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0]
        conn.execute("CHECKPOINT")  # the reads start with the generated pages on disk
    console.print(f"[dim]audit trail:[/] {have:,} events from the cases + "
                  f"{total - have:,} generated = {total:,}")
    return total


SERVER_SQL = {
    "r.history": "SELECT a.* FROM bench.hist_entities AS h, erp.audit_history(h.tenant_id, "
                 "h.entity_type, h.entity_id) AS a WHERE h.n = %s",
    "r.page": "SELECT * FROM erp.audit_events(p_tenant_id => (SELECT m.tenant_id FROM "
              "bench.page_marks AS m WHERE m.n = %s), p_limit => 100)",
    "r.deep": "SELECT a.* FROM bench.page_marks AS m, erp.audit_events(p_tenant_id => "
              "m.tenant_id, p_after => m.after_id, p_limit => 100) AS a WHERE m.n = %s",
}


def server_times(url: str, samples: int = 40) -> dict[str, float]:
    """Median server-side execution time (EXPLAIN ANALYZE) of each audit read, in ms."""
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for key, sql in SERVER_SQL.items():
            times = []
            for i in range(samples):
                n = 1 + (i * 37) % (1000 if key == "r.history" else 64)
                plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", (n,)).fetchone()[0]
                times.append(plan[0]["Execution Time"])
            out[key] = round(statistics.median(times), 4)
    return out
