"""The embedded cluster: never leaks a server (Ctrl-C, SIGKILL, the whole pytest run
interrupted), socket-only, sized for the concurrency suites; and the development cluster
commands (`db up` / `db url` / `db down`) on a private folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from erp_ops import migrate
from harness import cluster

CHILD = textwrap.dedent("""
    import sys, time
    from harness.cluster import Cluster
    c = Cluster.temporary_cluster().start()
    print(c.proc.pid, c.datadir.parent, flush=True)
    time.sleep(600)
""")


def gone(pid: int, within: float = 10.0) -> bool:
    """True once ``pid`` no longer runs (a zombie counts as gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def start_child(code: str, env: dict | None = None) -> subprocess.Popen:
    """A Python child in its own process group, like a command started from a terminal."""
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=migrate.ROOT, env=env)


def read_started(child: subprocess.Popen) -> tuple[int, Path]:
    line = child.stdout.readline()
    assert line, child.stderr.read()
    pid, base = line.split()
    assert not gone(int(pid), within=0.1), "the postmaster is not running"
    return int(pid), Path(base)


@pytest.fixture
def child() -> Iterator[list[subprocess.Popen]]:
    """Children to kill at the end whatever happens (so a failing test leaks nothing)."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ---- no leaked server ----------------------------------------------------------------------
def test_ctrl_c_stops_the_server_and_removes_its_folder(child):
    proc = start_child(CHILD)
    child.append(proc)
    pid, base = read_started(proc)
    assert base.is_dir()
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    proc.wait(timeout=30)
    assert gone(pid), "postmaster still running after Ctrl-C"
    assert not base.exists(), f"{base} left behind"


def test_sigkill_of_the_parent_takes_the_server_down(child):
    proc = start_child(CHILD)
    child.append(proc)
    pid, base = read_started(proc)
    os.killpg(proc.pid, signal.SIGKILL)  # no atexit, no cleanup code runs
    proc.wait(timeout=30)
    assert gone(pid), "postmaster outlived its SIGKILLed parent (PR_SET_PDEATHSIG)"
    # the files stay on tmpfs until the next temporary cluster sweeps them away
    assert base.exists()
    cluster._sweep_stale(base.parent)
    assert not base.exists()


def test_sigterm_stops_the_server_and_removes_its_folder(child):
    """CI and `timeout` send SIGTERM: it unwinds like Ctrl-C."""
    proc = start_child(CHILD)
    child.append(proc)
    pid, base = read_started(proc)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    assert gone(pid), "postmaster still running after SIGTERM"
    assert not base.exists(), f"{base} left behind"


def test_ctrl_c_on_a_pytest_run_leaks_no_server(child, tmp_path):
    """The acceptance test: interrupt a pytest run that uses the suite's own fixtures."""
    (tmp_path / "conftest.py").write_text("from tests.conftest import server  # noqa\n")
    marker = tmp_path / "started"
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(f"""
        import time
        from pathlib import Path
        from psycopg.conninfo import conninfo_to_dict

        def test_wait(server):
            host = Path(conninfo_to_dict(server.url)["host"])
            pid = (host.parent / "data" / "postmaster.pid").read_text().split()[0]
            Path({str(marker)!r}).write_text(pid + " " + str(host.parent))
            time.sleep(600)
    """))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    code = ("import sys, pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', "
            f"{str(tmp_path)!r}]))")
    proc = start_child(code, env)
    child.append(proc)
    deadline = time.monotonic() + 60
    while not marker.exists() or not marker.read_text():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the inner test never started"
        time.sleep(0.05)
    pid_text, base_text = marker.read_text().split()
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert gone(int(pid_text)), "postmaster still running after Ctrl-C of pytest"
    assert not Path(base_text).exists(), out + err


# ---- how the throwaway cluster is configured -----------------------------------------------
@pytest.fixture
def embedded(server) -> psycopg.Connection:
    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set: the suite runs on that server, not an embedded one")
    with psycopg.connect(server.url, autocommit=True) as conn:
        yield conn


def setting(conn: psycopg.Connection, name: str) -> str:
    return conn.execute(f"SHOW {name}").fetchone()[0]


def test_embedded_cluster_is_socket_only(embedded, server):
    assert setting(embedded, "listen_addresses") == ""
    host = conninfo_to_dict(server.url)["host"]
    assert setting(embedded, "unix_socket_directories") == host
    assert embedded.execute("SELECT inet_server_addr()").fetchone()[0] is None  # a socket


def test_embedded_cluster_is_sized_for_concurrency_suites(embedded):
    assert int(setting(embedded, "max_connections")) >= 250


def test_embedded_test_cluster_trades_durability_for_speed(embedded):
    assert setting(embedded, "fsync") == "off"
    assert setting(embedded, "synchronous_commit") == "off"
    datadir = setting(embedded, "data_directory")
    if os.access("/dev/shm", os.W_OK | os.X_OK):
        assert datadir.startswith("/dev/shm/"), datadir


def test_durable_cluster_settings_are_for_benchmarks():
    c = cluster.Cluster.temporary_cluster(on_disk=True, durable=True)
    try:
        assert not str(c.datadir).startswith("/dev/shm")
        assert "fsync = 'on'" in c._conf_lines()
        assert "synchronous_commit = 'on'" in c._conf_lines()
    finally:
        shutil.rmtree(c.datadir.parent, ignore_errors=True)


# ---- the development cluster ---------------------------------------------------------------
def harness(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True,
                          text=True, timeout=120, cwd=migrate.ROOT, env=env)


@pytest.fixture
def dev_env() -> Iterator[dict]:
    """ERP_PGDATA in a fresh folder the postgres OS user can reach (pytest's own tmp_path is
    private to the current user)."""
    root = Path(tempfile.mkdtemp(prefix="erp-devtest-"))
    root.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ERP_PGDATA"] = str(root / "pgdata")
    yield env
    harness("db", "down", env=env)
    shutil.rmtree(root, ignore_errors=True)


def test_dev_cluster_up_url_down(dev_env):
    up = harness("db", "up", env=dev_env)
    assert up.returncode == 0, up.stderr
    url = up.stdout.strip().splitlines()[-1]
    assert dev_env["ERP_PGDATA"] in url
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == "erp"
    pid = int((Path(dev_env["ERP_PGDATA"]) / "data" / "postmaster.pid").read_text().split()[0])

    again = harness("db", "up", env=dev_env)  # idempotent
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == url
    shown = harness("db", "url", env=dev_env)
    assert shown.returncode == 0 and shown.stdout.strip() == url

    # it is a daemon: still there after the commands that started it have exited
    assert not gone(pid, within=0.2)
    assert "stopped" in harness("db", "down", env=dev_env).stdout
    assert gone(pid)
    assert "not running" in harness("db", "down", env=dev_env).stdout
    # the data stays: a second `up` starts the same cluster again without initdb
    assert harness("db", "up", env=dev_env).returncode == 0
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_dev_cluster_in_a_private_folder_fails_clearly_as_root(dev_env, tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    os.chmod(tmp_path, 0o700)
    env = dict(dev_env, ERP_PGDATA=str(private / "pgdata"))
    result = harness("db", "up", env=env)
    assert result.returncode == 1
    assert "ERP_PGDATA" in result.stderr and "Traceback" not in result.stderr
