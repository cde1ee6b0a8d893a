"""Fixtures: one server per run (embedded unless DATABASE_URL), a template migrated once,
and a fresh clone of it for every test that asks for a database."""

from __future__ import annotations

import os
import queue
import random
import shutil
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from erp_ops import migrate
from harness import cluster, testing

# The test cluster holds many erp.base databases (clones of one template, and databases that
# tests install into): every connection the tests open, psql and pg_prove included, says it
# accepts that the cluster-wide roles are shared (a first install refuses it otherwise). The
# tests of that refusal override it on their own connection.
os.environ["PGOPTIONS"] = (os.environ.get("PGOPTIONS", "") + " -c "
                           f"{migrate.ALLOW_SHARED_ROLES}=on").strip()

# the install, upgrade and contract tests: what CI runs on every supported major (PG_MAJOR)
MAJORS_MODULES = {"test_bundle", "test_install_roles", "test_lifecycle", "test_migrate",
                  "test_modules", "test_pgtap", "test_release_upgrade", "test_replication",
                  "test_upgrade"}


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PG_MAJOR"):
        # pg_prove and the README's psql run the psql of that major, found on PATH
        bindir = cluster.pg_bindir()
        os.environ["PATH"] = f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in MAJORS_MODULES:
            item.add_marker(pytest.mark.majors)


@pytest.fixture(scope="session")
def server() -> Iterator[testing.Server]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield testing.Server(url)
        return
    with cluster.Cluster.temporary_cluster() as c:
        yield testing.Server(c.url())


@pytest.fixture(scope="session")
def template(server: testing.Server) -> Iterator[str]:
    name = testing.create_template(server)
    yield name
    testing.drop_template(server, name)


@pytest.fixture
def dsn(server: testing.Server, template: str) -> Iterator[str]:
    """A fresh, fully migrated database for this test only."""
    url, janitor = testing.clone(server, template)
    yield url
    janitor.drop()


@pytest.fixture
def conn(dsn: str) -> Iterator[psycopg.Connection]:
    """A superuser connection (autocommit) to the test's own database."""
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


SPARE_CONNECTIONS = 2  # left free beyond what a test asks for (a backend still exiting, ...)


def fit_connections(source: str | psycopg.Connection, wanted: int, minimum: int,
                    extra: int = 0, stacklevel: int = 2) -> int:
    """Workers (one connection each) for a test that wants ``wanted`` of them plus ``extra``
    helper connections: ``wanted`` when the server has room, else as many as fit if that is
    at least ``minimum`` (the test's point survives; a warning says so), else the test is
    skipped with "needs N connections, the server allows M". The test's already open
    connections (``conn``) are counted as in use by the server. ``source``: a URL of the
    server or an open connection to it (see :func:`harness.testing.measure_connections`)."""
    budget = testing.measure_connections(source)
    room = budget.available - extra - SPARE_CONNECTIONS
    if room >= wanted:
        return wanted
    if room >= minimum:
        warnings.warn(f"{room} workers instead of {wanted}: the server allows "
                      f"{budget.available} more connections ({budget.describe()})",
                      stacklevel=stacklevel)
        return room
    pytest.skip(f"needs {minimum + extra + SPARE_CONNECTIONS} connections, the server allows "
                f"{budget.available} ({budget.describe()})")


@pytest.fixture
def connections(server: testing.Server) -> Callable[..., int]:
    """``connections(wanted, minimum, extra=0)``: :func:`fit_connections` on this run's
    server, measured when called (after the test's own fixtures have connected)."""
    def connections(wanted: int, minimum: int, extra: int = 0) -> int:
        return fit_connections(server.url, wanted, minimum, extra, stacklevel=3)

    return connections


def new_tenant(conn: psycopg.Connection, name: str = "Acme", tz: str = "UTC") -> uuid.UUID:
    tenant_id = uuid.uuid4()
    conn.execute(
        "SELECT erp.tenant_create(%s, NULL, 'SYSTEM', 'test', %s, %s)", (tenant_id, name, tz)
    )
    return tenant_id


@pytest.fixture
def tenant(conn: psycopg.Connection) -> uuid.UUID:
    return new_tenant(conn)


# the standard columns every entity table starts with (docs/modules.md), for test entities
ENTITY_COLUMNS = """tenant_id uuid NOT NULL REFERENCES erp.erp_tenants (id),
    id uuid NOT NULL DEFAULT erp.uuid_v7(),
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()"""


def fresh_databases(server: testing.Server, prefix: str,
                    count: int = 2) -> Iterator[tuple[str, ...]]:
    """For a fixture: the URLs of ``count`` empty databases named after ``prefix``, dropped
    afterwards."""
    janitors = [server.janitor(testing.unique_name(prefix)) for _ in range(count)]
    for janitor in janitors:
        janitor.init()
    yield tuple(server.url_for(j.dbname) for j in janitors)
    for janitor in janitors:
        janitor.drop()


def sequence_snapshot(conn: psycopg.Connection, tenant: uuid.UUID, seq_id: uuid.UUID) -> dict:
    """A sequence row as the writers' snapshot stores it: timestamps as canonical UTC text."""
    return conn.execute(
        "SELECT to_jsonb(s) || jsonb_build_object('created_at', erp._utc(s.created_at),"
        " 'updated_at', erp._utc(s.updated_at))"
        " FROM erp.erp_sequences AS s WHERE s.tenant_id = %s AND s.id = %s",
        (tenant, seq_id),
    ).fetchone()[0]


def wait_until_gone(admin: psycopg.Connection, pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        if found.fetchone()[0] == 0:
            return
        time.sleep(0.002)
    raise AssertionError(f"backend {pid} did not exit after pg_terminate_backend")


class Storm:
    """The harness of a storm test: ``count`` worker threads that start together (each waits on
    ``barrier`` once connected) beside a killer thread that terminates the backends the workers
    hand it (``kill``). The exception of a worker or of the killer is collected in
    ``failures`` and releases the others from the barrier."""

    def __init__(self, dsn: str, count: int, seed: int = 7) -> None:
        self.dsn, self.count = dsn, count
        self.lock = threading.Lock()
        self.failures: list[BaseException] = []
        self.barrier = threading.Barrier(count + 1, timeout=60)
        self._kills: queue.Queue = queue.Queue()
        self._rnd = random.Random(seed)

    def kill(self, pid: int) -> threading.Event:
        """Has the killer terminate backend ``pid``; the event is set once it is gone."""
        done = threading.Event()
        self._kills.put((pid, done))
        return done

    def _failed(self, exc: BaseException) -> None:
        with self.lock:
            self.failures.append(exc)
        self.barrier.abort()

    def _killer(self) -> None:
        try:
            with psycopg.connect(self.dsn, autocommit=True) as admin:
                while (item := self._kills.get()) is not None:
                    pid, done = item
                    time.sleep(self._rnd.random() * 0.005)
                    ok = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
                    assert ok, f"pg_terminate_backend({pid}) found no backend"
                    wait_until_gone(admin, pid)
                    done.set()
        except BaseException as exc:
            self._failed(exc)

    def run(self, worker: Callable[[int], None]) -> float:
        """Runs ``worker(i)`` for i < count; returns the seconds they took. No worker may hang
        or fail."""
        def guarded(i: int) -> None:
            try:
                worker(i)
            except BaseException as exc:
                self._failed(exc)

        killer_thread = threading.Thread(target=self._killer, daemon=True)
        killer_thread.start()
        threads = [threading.Thread(target=guarded, args=(i,), daemon=True)
                   for i in range(self.count)]
        for thread in threads:
            thread.start()
        self.barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.perf_counter() - started
        self._kills.put(None)
        killer_thread.join(timeout=10)
        assert not self.failures, self.failures[:3]
        assert not any(thread.is_alive() for thread in threads), "a worker hung"
        return elapsed


def sqlstate(conn: psycopg.Connection, query: str, params: tuple = ()) -> str | None:
    """The SQLSTATE with which ``query`` is refused, or None when it runs."""
    try:
        conn.execute(query, params)
    except psycopg.Error as exc:
        return exc.sqlstate
    return None


@pytest.fixture
def empty_db(server: testing.Server) -> Iterator[str]:
    """A brand-new database with nothing migrated."""
    janitor = server.janitor(testing.unique_name("erp_empty"))
    janitor.init()
    yield server.url_for(janitor.dbname)
    janitor.drop()


@pytest.fixture
def sql_root_copy(tmp_path: Path) -> Path:
    """A private copy of sql/ holding base alone (tests aside), that a test may change or add
    modules to (the runner's ``sql_dir``: every module in dependency order). The project's own
    modules are left out, so a test sees exactly base and the modules it adds."""
    target = tmp_path / "sql"
    shutil.copytree(migrate.SQL_ROOT / "base", target / "base",
                    ignore=shutil.ignore_patterns("tests"))
    return target


@pytest.fixture
def sql_copy(sql_root_copy: Path) -> Path:
    """Base's folder in a private copy of sql/ (the runner's ``sql_dir``: base alone)."""
    return sql_root_copy / "base"
