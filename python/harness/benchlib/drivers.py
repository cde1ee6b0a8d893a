"""Run one case script at N clients for a fixed time and measure every transaction.

A case script is written in pgbench's script language (a small subset of it): SQL commands
ended by ``;`` or by ``\\gset`` (which stores the first row's columns in variables),
``\\set name expression`` meta commands (integers, ``random(a, b)``, ``+ - * / %``, other
variables), and ``:name`` variable references, which become bind parameters. Two drivers
run the same text:

* ``PgbenchDriver`` hands it to PostgreSQL's own ``pgbench`` (C, one client thread,
  ``-M prepared``, per-transaction log). It is the default: on a 2-core machine the Python
  client's per-statement overhead and GIL take CPU from the server and cap throughput at a
  level the server never reaches (measured: the raw hot-row counter at 1/16/64 clients ran
  at 64 %/80 %/69 % of pgbench's rate from Python threads).
* ``PythonDriver`` runs it from threads, each with its own psycopg connection (autocommit,
  ``prepare_threshold=0`` so every statement is prepared on first use, like pgbench). It needs
  nothing but psycopg, and it is what the smoke test uses.

Both start all clients together, run for ``warmup + duration`` seconds and keep only the
transactions that ended after the warm-up; latency is per transaction (script run).

Server CPU is measured two ways. ``server_cost`` runs a script on one connection and reads its
backend's CPU time from /proc/<pid>/schedstat (precise, one client). ``ReapedCpu`` measures a
whole run at N clients: when a backend exits, the postmaster reaps it and the kernel adds the
child's CPU time to the postmaster's ``cutime + cstime`` (/proc/<postmaster>/stat), so the
difference over a run, once its connections have closed, is the CPU of every backend that
ended meanwhile (its connection start-up and any autovacuum worker that ended too), divided by
every transaction the run made, warm-up included. Both need the server on this machine.
"""

from __future__ import annotations

import math
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from harness import cluster as cluster_mod

_VAR = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class RunResult:
    """One case at one client count."""

    clients: int
    seconds: float
    transactions: int
    errors: int
    latencies_us: list[float] = field(repr=False, default_factory=list)
    error: str | None = None
    driver: str = ""
    load1: float = 0.0  # the 1-minute load average after the run: other work on the machine
    all_transactions: int = 0  # warm-up included: what the server did during the whole run
    server_cpu_ns: float | None = None  # CPU of the run's backends (ReapedCpu), all of it

    @property
    def server_cpu_us(self) -> float | None:
        """Server CPU per transaction at this client count (warm-up included on both sides)."""
        if self.server_cpu_ns is None or self.all_transactions <= 0:
            return None
        return self.server_cpu_ns / self.all_transactions / 1000

    @property
    def tps(self) -> float:
        return self.transactions / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, q: float) -> float | None:
        """Nearest-rank percentile of the per-transaction latency, in milliseconds."""
        if not self.latencies_us:
            return None
        ordered = sorted(self.latencies_us)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1] / 1000.0

    def merge(self, other: RunResult) -> RunResult:
        """Two rounds of the same case at the same client count, as one result."""
        cpu = (None if self.server_cpu_ns is None or other.server_cpu_ns is None
               else self.server_cpu_ns + other.server_cpu_ns)
        return RunResult(self.clients, self.seconds + other.seconds,
                         self.transactions + other.transactions, self.errors + other.errors,
                         self.latencies_us + other.latencies_us, self.error or other.error,
                         self.driver, max(self.load1, other.load1),
                         self.all_transactions + other.all_transactions, cpu)

    def summary(self) -> dict:
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 3),
            "transactions": self.transactions,
            "errors": self.errors,
            "tps": round(self.tps, 1),
            "p50_ms": _round(self.percentile_ms(50)),
            "p95_ms": _round(self.percentile_ms(95)),
            "p99_ms": _round(self.percentile_ms(99)),
            "driver": self.driver,
            "load1": round(self.load1, 1),
            "server_cpu_us": _round1(self.server_cpu_us),
            **({"error": self.error} if self.error else {}),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _round1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# ---- the script language (pgbench subset) ------------------------------------------------
@dataclass
class Command:
    kind: str  # "set" | "sql"
    name: str = ""  # set: variable name
    text: str = ""  # set: expression; sql: statement text (without ; or \gset)
    gset: bool = False


def parse_script(text: str) -> list[Command]:
    """Split a pgbench-style script into meta and SQL commands."""
    commands: list[Command] = []
    buf: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("--")):
            continue
        if not buf and line.startswith("\\set "):
            _, name, expr = line.split(None, 2)
            commands.append(Command("set", name=name, text=expr))
            continue
        if not buf and line.startswith("\\"):
            raise ValueError(f"unsupported meta command: {line}")
        buf.append(raw)
        if line.endswith("\\gset"):
            sql = "\n".join(buf).rstrip()[: -len("\\gset")].strip()
            commands.append(Command("sql", text=sql, gset=True))
            buf = []
        elif line.endswith(";"):
            commands.append(Command("sql", text="\n".join(buf).strip().rstrip(";").strip()))
            buf = []
    if buf:
        raise ValueError("the script's last SQL command lacks a terminating ';'")
    return commands


def _compile_expr(expr: str):
    """A \\set expression as a Python callable of the variables (integers only)."""
    py = _VAR.sub(lambda m: f"int(v[{m.group(1)!r}])", expr).replace("/", "//")
    if not re.fullmatch(r"[\w\s\[\]'()+\-*/%,]*", py):
        raise ValueError(f"unsupported \\set expression: {expr}")
    code = compile(py, "<set>", "eval")
    return lambda v, rnd: eval(  # noqa: S307 (our own scripts)
        code, {"__builtins__": {}, "random": rnd.randint, "int": int, "v": v})


class _Prepared:
    """One SQL command with ``:var`` turned into psycopg placeholders (on first use)."""

    def __init__(self, command: Command) -> None:
        self.command = command
        self.sql: str | None = None
        self.names: list[str] = []

    def bind(self, variables: dict) -> tuple[str, list]:
        if self.sql is None:
            names: list[str] = []

            def repl(m: re.Match) -> str:
                if m.group(1) not in variables:
                    return m.group(0)  # not a variable (pgbench leaves it alone too)
                names.append(m.group(1))
                return "%s"

            self.sql = _VAR.sub(repl, self.command.text.replace("%", "%%"))
            self.names = names
        return self.sql, [str(variables[n]) for n in self.names]


class ScriptClient:
    """Runs a parsed script over one psycopg connection, one transaction per ``run_once``."""

    def __init__(self, conn: psycopg.Connection, commands: list[Command], defines: dict | None,
                 client_id: int) -> None:
        self.conn = conn
        self.commands = commands
        self.exprs = {c.name: _compile_expr(c.text) for c in commands if c.kind == "set"}
        self.prepared = [_Prepared(c) if c.kind == "sql" else None for c in commands]
        self.variables = {**(defines or {}), "client_id": client_id}
        self.rnd = random.Random()  # fresh entropy: random codes must not repeat across runs
        self.cur = conn.cursor()

    def run_once(self) -> str | None:
        """One run of the script; the first line of the error, if it failed."""
        try:
            for cmd, prep in zip(self.commands, self.prepared, strict=True):
                if prep is None:
                    self.variables[cmd.name] = self.exprs[cmd.name](self.variables, self.rnd)
                    continue
                sql, params = prep.bind(self.variables)
                self.cur.execute(sql, params)
                if cmd.gset:
                    row = self.cur.fetchone()
                    for col, value in zip(self.cur.description, row, strict=True):
                        self.variables[col.name] = value
                elif self.cur.description is not None:
                    self.cur.fetchall()
        except psycopg.Error as exc:
            if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.conn.execute("ROLLBACK")
            return str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return None


def _connect(url: str) -> psycopg.Connection:
    # prepare_threshold=0: every statement is prepared on first use, as pgbench -M prepared
    return psycopg.connect(url, autocommit=True, prepare_threshold=0)


class PythonDriver:
    name = "python"

    def run(self, url: str, script: str, clients: int, duration: float, warmup: float,
            defines: dict | None = None) -> RunResult:
        commands = parse_script(script)
        barrier_t0: list[int] = []
        barrier = threading.Barrier(
            clients, action=lambda: barrier_t0.append(time.perf_counter_ns()))
        records: list[list[tuple[int, int]]] = [[] for _ in range(clients)]
        errors = [0] * clients
        first_error: list[str] = []
        total_ns = int((warmup + duration) * 1e9)
        conns = [_connect(url) for _ in range(clients)]

        def client(i: int) -> None:
            runner = ScriptClient(conns[i], commands, defines, i)
            barrier.wait()
            deadline = barrier_t0[0] + total_ns
            out = records[i]
            while True:
                start = time.perf_counter_ns()
                error = runner.run_once()
                end = time.perf_counter_ns()
                if error is not None:
                    errors[i] += 1
                    if not first_error:
                        first_error.append(error)
                out.append((end, end - start))
                if end >= deadline:
                    break

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            for c in conns:
                c.close()
        window_start = barrier_t0[0] + int(warmup * 1e9)
        window_end = max((r[-1][0] for r in records if r), default=window_start)
        lat = [d / 1000 for r in records for (end, d) in r if end >= window_start]
        return RunResult(clients=clients, seconds=max(0.0, (window_end - window_start) / 1e9),
                         transactions=len(lat), errors=sum(errors), latencies_us=lat,
                         error=first_error[0] if first_error else None, driver=self.name,
                         all_transactions=sum(len(r) for r in records))


def _schedstat(pid: int) -> tuple[int, int] | None:
    """(ns on a CPU, ns waiting for one) of a local process, from /proc/<pid>/schedstat."""
    try:
        on_cpu, waiting, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
        return int(on_cpu), int(waiting)
    except (OSError, ValueError):
        return None


WAL_STATS = "SELECT wal_records, wal_fpi FROM pg_stat_wal"


def _wal_stats(conn: psycopg.Connection) -> tuple[int, int]:
    """(WAL records, full-page images) so far, this backend's own pending counts included:
    a backend publishes its statistics when it goes idle, at most once a second unless
    pg_stat_force_next_flush() asked for it (PostgreSQL 15)."""
    conn.execute("SELECT pg_stat_force_next_flush()")  # flushed before the next command
    return conn.execute(WAL_STATS).fetchone()


def server_cost(url: str, script: str, defines: dict | None, seconds: float = 1.0,
                warmup: float = 0.2, checkpoint: bool = False) -> dict | None:
    """What one transaction of the script costs the server, measured on one connection:
    CPU time of its backend (from /proc/<pid>/schedstat, so only when the server runs on
    this machine) and WAL bytes (insert position before and after), with the WAL records and
    full-page images per transaction from pg_stat_wal (cluster-wide: on a quiet benchmark
    cluster, this connection's). Unlike throughput, neither depends much on how busy the
    machine is, so they compare a project call with its baseline even on a noisy machine.
    ``checkpoint``: start from a CHECKPOINT, so that the full-page images of the pages the
    case touches fall into the warm-up and every case is measured from the same WAL state.
    None when the backend's /proc entry is not readable (remote server)."""
    commands = parse_script(script)
    with _connect(url) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        if _schedstat(pid) is None or not _is_postgres(pid):
            return None
        if checkpoint:
            conn.execute("CHECKPOINT")
        runner = ScriptClient(conn, commands, defines, 0)
        end = time.perf_counter() + warmup
        while time.perf_counter() < end:
            runner.run_once()
        wal0 = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        rec0, fpi0 = _wal_stats(conn)
        cpu0, wait0 = _schedstat(pid)
        n, errors = 0, 0
        t0 = time.perf_counter()
        end = t0 + seconds
        while time.perf_counter() < end or n < 3:
            errors += runner.run_once() is not None
            n += 1
        cpu1, wait1 = _schedstat(pid)
        wall = time.perf_counter() - t0
        wal = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s::pg_lsn)",
                           (str(wal0),)).fetchone()[0]
        rec1, fpi1 = _wal_stats(conn)
    return {"tx": n, "errors": errors, "cpu_us": round((cpu1 - cpu0) / n / 1000, 1),
            "runqueue_us": round((wait1 - wait0) / n / 1000, 1),
            "wal_bytes": round(float(wal) / n), "wal_records": round((rec1 - rec0) / n, 2),
            "wal_fpi": round((fpi1 - fpi0) / n, 3), "wall_us": round(wall / n * 1e6, 1)}


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _is_postgres(pid: int) -> bool:
    """Whether the local process ``pid`` is a PostgreSQL server process."""
    try:
        exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:  # another user's process: its command line is still readable
        try:
            exe = os.path.basename(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
                                   .decode(errors="replace"))
        except OSError:
            return False
    return exe.startswith("postgres") or exe.startswith("postmaster")


class ReapedCpu:
    """CPU time of the backends that ended, from the postmaster's reaped-children time.

    ``start()`` before a run, ``stop()`` after it: waits until the connections opened since
    ``start()`` are gone from pg_stat_activity (the postmaster reaps a backend right after
    it exits) and returns the nanoseconds of CPU that the backends which ended meanwhile
    used. ``available`` is False for a remote server (None is returned then)."""

    ACTIVE = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
              "AND backend_type = 'client backend'")

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        fields = _proc_stat(pid)
        self.postmaster = int(fields[1]) if fields else None
        # a remote server's backend pid may name some other local process: check it is ours
        if self.postmaster and not (_is_postgres(pid) and _is_postgres(self.postmaster)):
            self.postmaster = None
        self.tick_ns = 1e9 / os.sysconf("SC_CLK_TCK")
        self.available = self.postmaster is not None and self._reaped() is not None
        self._t0: float | None = None
        self._before: set[int] = set()

    def _reaped(self) -> float | None:
        fields = _proc_stat(self.postmaster) if self.postmaster else None
        if not fields:
            return None
        return (int(fields[13]) + int(fields[14])) * self.tick_ns  # cutime + cstime

    def start(self) -> None:
        self._t0 = self._reaped() if self.available else None
        self._before = {r[0] for r in self.conn.execute(self.ACTIVE)}

    def stop(self, conn: psycopg.Connection | None = None,
             timeout: float = 10.0) -> float | None:
        if self._t0 is None:
            return None
        conn = conn or self.conn
        deadline = time.monotonic() + timeout
        while {r[0] for r in conn.execute(self.ACTIVE)} - self._before:
            if time.monotonic() > deadline:
                return None  # connections still open: their CPU is not in the total yet
            time.sleep(0.02)
        now = self._reaped()
        for _ in range(20):  # the postmaster reaps asynchronously: wait until it settles
            time.sleep(0.03)
            later = self._reaped()
            if later == now:
                break
            now = later
        return None if now is None else now - self._t0


class PgbenchDriver:
    name = "pgbench"

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or pgbench_path()
        if not self.binary:
            raise FileNotFoundError("pgbench not found")

    def run(self, url: str, script: str, clients: int, duration: float, warmup: float,
            defines: dict | None = None) -> RunResult:
        parse_script(script)  # same validation as the Python driver
        with tempfile.TemporaryDirectory(prefix="erp-bench-") as tmp:
            path = Path(tmp) / "case.sql"
            path.write_text(script)
            seconds = max(1, math.ceil(warmup + duration))
            args = [self.binary, "-n", "-M", "prepared", "-c", str(clients), "-j", "1",
                    "-T", str(seconds), "-f", str(path), "-l", "--log-prefix", f"{tmp}/log"]
            for key, value in (defines or {}).items():
                args += ["-D", f"{key}={value}"]
            args.append(url)
            proc = subprocess.run(args, capture_output=True, text=True, cwd=tmp)
            ends: list[float] = []
            lat: list[float] = []
            failed = 0
            for log in Path(tmp).glob("log.*"):
                for line in log.read_text().splitlines():
                    parts = line.split()
                    if len(parts) < 6:
                        continue
                    if not parts[2].isdigit():  # "failed" / "skipped"
                        failed += 1
                        continue
                    ends.append(int(parts[4]) + int(parts[5]) / 1e6)
                    lat.append(float(parts[2]))
        error = None
        aborted = 0
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
            error = next((ln for ln in lines if "ERROR" in ln or "error" in ln), None) or (
                lines[-1] if lines else f"pgbench exited with {proc.returncode}")
            m = re.search(r"number of failed transactions: (\d+)", proc.stdout)
            aborted = int(m.group(1)) if m else 1
            aborted = max(aborted, 1)
        if not lat:
            return RunResult(clients, 0.0, 0, failed + aborted, [], error, self.name,
                             all_transactions=failed)
        t0 = min(e - d / 1e6 for e, d in zip(ends, lat, strict=True))
        window_start = t0 + warmup
        window_end = max(ends)
        kept = [d for e, d in zip(ends, lat, strict=True) if e >= window_start]
        return RunResult(clients=clients, seconds=max(0.0, window_end - window_start),
                         transactions=len(kept), errors=failed + aborted, latencies_us=kept,
                         error=error, driver=self.name, all_transactions=len(lat) + failed)


def pgbench_path() -> str | None:
    """pgbench next to the server binaries, else on PATH."""
    try:
        candidate = cluster_mod.pg_bindir() / "pgbench"
        if candidate.exists():
            return str(candidate)
    except cluster_mod.ClusterError:
        pass
    return shutil.which("pgbench")


def make_driver(name: str | None) -> PythonDriver | PgbenchDriver:
    """``pgbench`` (default when installed) or ``python``."""
    if name == "python":
        return PythonDriver()
    if name in (None, "", "pgbench") and pgbench_path():
        return PgbenchDriver()
    if name == "pgbench":
        raise FileNotFoundError("pgbench is not installed (set ERP_BENCH_DRIVER=python)")
    return PythonDriver()
