"""A throwaway (or persistent) PostgreSQL cluster for tests, demo, stress and bench.

* socket-only (``listen_addresses = ''``), the socket lives inside the cluster's own folder,
  so the port never collides with another server;
* as root, initdb and the server run as the ``postgres`` OS user (PostgreSQL refuses root);
* the server gets ``PR_SET_PDEATHSIG``: if the Python process that started it dies for any
  reason (Ctrl-C, SIGKILL, a crash), the kernel sends the postmaster SIGQUIT and it exits, so
  no server is ever leaked. ``stop()`` (also registered with ``atexit``) is the polite path;
  SIGTERM is turned into KeyboardInterrupt so it takes that path too. The signal belongs to
  the *thread* that started the server: start clusters from the main thread;
* a temporary cluster's folder (``erp-pg-*`` on /dev/shm, else the temp dir) records its
  owner's pid; the next temporary cluster removes folders whose owner died (SIGKILL);
* the development cluster (``db up``/``db down``) lives in ``.pgdata/`` or ``$ERP_PGDATA``.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from harness import majors

PR_SET_PDEATHSIG = 1
TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
PRODUCTION_SETTINGS = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
TEMP_PREFIX = "erp-pg-"
OWNER_FILE = "owner.pid"  # pid of the Python process that owns a temporary cluster


class ClusterError(RuntimeError):
    """The cluster could not be created or started."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to another user
        return True
    return True


def _sweep_stale(parent: Path) -> None:
    """Remove temporary clusters whose owner died without cleaning up (SIGKILL, SIGTERM):
    the server itself is already gone (PR_SET_PDEATHSIG), only its files stay on tmpfs."""
    for base in parent.glob(f"{TEMP_PREFIX}*"):
        try:
            owner = int((base / OWNER_FILE).read_text())
            pidfile = base / "data" / "postmaster.pid"
            server = int(pidfile.read_text().split()[0]) if pidfile.exists() else None
        except (OSError, ValueError, IndexError):
            continue  # being created right now, another user's, or not ours
        if not _alive(owner) and (server is None or not _alive(server)):
            shutil.rmtree(base, ignore_errors=True)


def pg_bindir() -> Path:
    """The server binaries the harness runs (:func:`harness.majors.bindir`)."""
    try:
        return majors.bindir(log=lambda text: print(text, file=sys.stderr))
    except majors.FetchError as exc:
        raise ClusterError(str(exc)) from exc


def _server_user() -> pwd.struct_passwd | None:
    """The OS user to run the server as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(os.environ.get("ERP_PG_OS_USER", "postgres"))
    except KeyError as exc:
        raise ClusterError("running as root needs a 'postgres' OS user to run the server") from exc


def _tmp_root() -> str:
    """tmpfs where available: tests commit constantly and never need durability."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return tempfile.gettempdir()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _stop_on_sigterm() -> None:
    """SIGTERM (CI, `timeout`, `kill`) unwinds like Ctrl-C, so ``stop()`` runs and the
    temporary folder goes too; only installed over the default action, in the main thread."""
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL):
        signal.signal(signal.SIGTERM, _interrupt)


def _drop_to(user: pwd.struct_passwd | None):
    """preexec_fn: become ``user`` (no-op for None), in a session of its own."""

    def drop() -> None:
        os.setsid()
        if user is not None:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

    return drop


def _child_setup(user: pwd.struct_passwd | None, parent_pid: int):
    """Runs in the forked child before exec: drop to the server user, arm the death signal."""
    drop = _drop_to(user)  # own session: Ctrl-C in the terminal reaches us, we stop it in order

    def setup() -> None:
        drop()
        # after setuid: a credential change clears the parent-death signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGQUIT, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return setup


@dataclass
class Cluster:
    """A PostgreSQL cluster in ``datadir``; ``temporary`` clusters delete it on stop."""

    datadir: Path
    temporary: bool = True
    settings: dict[str, str] = field(default_factory=lambda: dict(TEST_SETTINGS))
    port: int = 5432
    proc: subprocess.Popen | None = None
    dbname: str = "postgres"  # the database url() points at by default

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def temporary_cluster(cls, on_disk: bool = False, durable: bool = False,
                          extra_settings: dict[str, str] | None = None) -> Cluster:
        """A new throwaway cluster; tmpfs unless ``on_disk``; fsync on only if ``durable``;
        ``extra_settings`` go into its configuration too (e.g. ``{"wal_level": "logical"}``)."""
        parent = "/var/tmp" if on_disk else _tmp_root()
        _sweep_stale(Path(parent))
        base = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=parent))
        os.chmod(base, 0o755)
        (base / OWNER_FILE).write_text(f"{os.getpid()}\n")
        settings = dict(PRODUCTION_SETTINGS if durable else TEST_SETTINGS)
        settings.update(extra_settings or {})
        return cls(datadir=base / "data", temporary=True, settings=settings)

    @property
    def socket_dir(self) -> Path:
        return self.datadir.parent / "sock"

    @property
    def superuser(self) -> str:
        return "postgres"

    def url(self, dbname: str | None = None) -> str:
        return (f"postgresql://{self.superuser}@/{dbname or self.dbname}"
                f"?host={self.socket_dir}&port={self.port}")

    # ---- lifecycle --------------------------------------------------------------------
    def _run_as_server_user(self, args: list[str]) -> None:
        user = _server_user()
        result = subprocess.run(
            args,
            preexec_fn=_child_setup(user, os.getpid()),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ClusterError(f"{Path(args[0]).name} failed:\n{result.stdout}{result.stderr}")

    def initdb(self) -> None:
        user = _server_user()
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if user is not None:
            for path in (self.datadir.parent, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
            reachable = subprocess.run(["test", "-w", str(self.datadir.parent)],
                                       preexec_fn=_drop_to(user), check=False)
            if reachable.returncode != 0:
                raise ClusterError(
                    f"the {user.pw_name!r} OS user that runs the server cannot reach "
                    f"{self.datadir.parent} (a parent folder is private); put it elsewhere, "
                    "e.g. ERP_PGDATA=/var/tmp/erp-pgdata for the development cluster"
                )
        self._run_as_server_user(
            [
                str(pg_bindir() / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                self.superuser,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )

    def _conf_lines(self) -> str:
        settings = {
            "listen_addresses": "",
            "unix_socket_directories": str(self.socket_dir),
            "port": str(self.port),
            "max_connections": "300",
            "shared_buffers": "256MB",
            "max_locks_per_transaction": "256",
            "log_min_messages": "warning",
            "timezone": "UTC",
            **self.settings,
        }
        return "".join(f"{key} = '{value}'\n" for key, value in settings.items())

    def configure(self) -> None:
        """Write our settings into the cluster's own configuration (read at every start)."""
        conf = self.datadir / "erp.conf"
        user = _server_user()
        conf.write_text(self._conf_lines())
        main = self.datadir / "postgresql.conf"
        if "include_if_exists = 'erp.conf'" not in main.read_text():
            with main.open("a") as fh:
                fh.write("\ninclude_if_exists = 'erp.conf'\n")
        if user is not None:
            os.chown(conf, user.pw_uid, user.pw_gid)

    def start(self, timeout: float = 30.0) -> Cluster:
        if not (self.datadir / "PG_VERSION").exists():
            self.initdb()
        self.configure()
        log = open(self.datadir.parent / "server.log", "ab")  # noqa: SIM115 (kept by the child)
        self.proc = subprocess.Popen(
            [str(pg_bindir() / "postgres"), "-D", str(self.datadir)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_child_setup(_server_user(), os.getpid()),
        )
        log.close()
        atexit.register(self.stop)
        if self.temporary:
            _stop_on_sigterm()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise ClusterError(f"postgres exited at start:\n{self.server_log()}")
            ready = subprocess.run(
                [str(pg_bindir() / "pg_isready"), "-q", "-h", str(self.socket_dir),
                 "-p", str(self.port)],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        self.stop()
        raise ClusterError(f"postgres did not become ready in {timeout}s:\n{self.server_log()}")

    def server_log(self) -> str:
        path = self.datadir.parent / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self, keep: bool = False) -> None:
        """Fast shutdown; a temporary cluster's folder goes too, unless ``keep`` (to start
        it again later, e.g. a subscriber that was down for a while)."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # fast shutdown: roll back, disconnect, exit
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.temporary and not keep:
            shutil.rmtree(self.datadir.parent, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---- the persistent development cluster (make db-up / db-down / db-url) -----------------
DEV_DATABASE = "erp"


def dev_pgdata(root: Path) -> Path:
    """Where the development cluster lives: $ERP_PGDATA, else ``root/.pgdata`` (ignored)."""
    return Path(os.environ.get("ERP_PGDATA") or root / ".pgdata").resolve()


def dev_cluster(root: Path) -> Cluster:
    """The development cluster of the repo at ``root``, kept between runs; its URL points at
    the ``erp`` database (created by ``dev_cluster_up``)."""
    return Cluster(datadir=dev_pgdata(root) / "data", temporary=False,
                   settings=dict(TEST_SETTINGS), dbname=DEV_DATABASE)


def dev_cluster_up(root: Path) -> Cluster:
    """Start the development cluster as a daemon (it must outlive this process)."""
    cluster = dev_cluster(root)
    if not (cluster.datadir / "PG_VERSION").exists():
        cluster.initdb()
    if not dev_cluster_running(cluster):
        cluster.configure()
        args = [str(pg_bindir() / "pg_ctl"), "-D", str(cluster.datadir), "-w", "-t", "60",
                "-l", str(cluster.datadir.parent / "server.log"), "start"]
        result = subprocess.run(args, preexec_fn=_drop_to(_server_user()), capture_output=True,
                                text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise ClusterError(f"pg_ctl start failed:\n{result.stdout}{result.stderr}"
                               f"{cluster.server_log()}")
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (cluster.dbname,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cluster.dbname}"')
    return cluster


def dev_cluster_running(cluster: Cluster) -> bool:
    ready = subprocess.run(
        [str(pg_bindir() / "pg_isready"), "-q", "-h", str(cluster.socket_dir), "-p",
         str(cluster.port)], check=False)
    return ready.returncode == 0


def dev_cluster_down(root: Path) -> bool:
    """Stop the development cluster (fast shutdown); False if it was not running."""
    cluster = dev_cluster(root)
    if not (cluster.datadir / "postmaster.pid").exists():
        return False
    result = subprocess.run(
        [str(pg_bindir() / "pg_ctl"), "-D", str(cluster.datadir), "-w", "-t", "60",
         "-m", "fast", "stop"],
        preexec_fn=_drop_to(_server_user()), capture_output=True, text=True,
    )
    if result.returncode != 0:
        if "Is server running?" in result.stderr:  # stale postmaster.pid after a crash
            return False
        raise ClusterError(f"pg_ctl stop failed:\n{result.stdout}{result.stderr}")
    return True
