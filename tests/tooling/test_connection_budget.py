"""The connection budget: how many more connections a server accepts, and the demo, the stress
runner and the concurrency tests sized from it, so that they fit a server with the stock
``max_connections = 100`` instead of failing with "too many clients".

The checks run on a small throwaway cluster of their own (``max_connections = 15``, 3 slots
reserved for superusers), where the budget is exact: nothing else connects to it."""

from __future__ import annotations

import io
import re
import threading
import time
import warnings
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from rich.console import Console

from harness import cluster, demo, stress, testing
from tests.conftest import SPARE_CONNECTIONS, fit_connections

MAX_CONNECTIONS = 15
RESERVED = 3
LOGIN = "budget_login"


# ---- the pure function -----------------------------------------------------------------------
def test_budget_is_max_connections_minus_reserved_minus_in_use():
    assert testing.budget_from(100, 3, 12) == 85
    assert testing.budget_from(100, 3, 0) == 97
    assert testing.budget_from(100, 3 + 2, 12) == 83  # reserved_connections (16+) counts too


def test_budget_never_exceeds_a_connection_limit_and_is_never_negative():
    assert testing.budget_from(100, 3, 12, role_left=5) == 5
    assert testing.budget_from(100, 3, 12, database_left=7) == 7
    assert testing.budget_from(100, 3, 12, role_left=50, database_left=40) == 40
    assert testing.budget_from(100, 3, 12, role_left=90) == 85
    assert testing.budget_from(100, 3, 99) == 0
    assert testing.budget_from(100, 3, 97) == 0


def test_describe_names_the_numbers():
    b = testing.ConnectionBudget(100, 3, 12, role_left=4)
    assert b.available == 4
    assert b.describe() == ("max_connections 100 - 3 reserved - 12 in use; the login's "
                            "connection limit leaves 4")


# ---- a small server of our own ---------------------------------------------------------------
@pytest.fixture(scope="module")
def small() -> Iterator[cluster.Cluster]:
    c = cluster.Cluster.temporary_cluster()
    c.settings.update(max_connections=str(MAX_CONNECTIONS),
                      superuser_reserved_connections=str(RESERVED), shared_buffers="16MB")
    with c:
        with psycopg.connect(c.url(), autocommit=True) as su:
            su.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(LOGIN)))
        yield c


@pytest.fixture
def small_db(small: cluster.Cluster) -> Iterator[str]:
    """A new empty database on the small cluster (the demo and stress install into it)."""
    name = testing.unique_name("erp_budget")
    with psycopg.connect(small.url(), autocommit=True) as su:
        su.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield small.url(name)
    with psycopg.connect(small.url(), autocommit=True) as su:
        su.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def login_url(small: cluster.Cluster) -> str:
    return psycopg.conninfo.make_conninfo(small.url(), user=LOGIN)


def backends(observer: psycopg.Connection, application_name: str | None = None) -> int:
    """Client backends (of ``application_name``) besides the observer, once they have
    settled: a closed connection's backend leaves pg_stat_activity a moment after the client
    closed it, so this waits (up to 10 s) until the count stops falling to 0."""
    deadline = time.monotonic() + 10
    while True:
        n = observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> pg_backend_pid() AND (%s::text IS NULL OR application_name = %s)",
            (application_name, application_name)).fetchone()[0]
        if n == 0 or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


def settle(observer: psycopg.Connection, others: int) -> None:
    """Wait (up to 10 s) until exactly ``others`` client backends besides the observer remain."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        n = observer.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> pg_backend_pid()").fetchone()[0]
        if n == others:
            return
        time.sleep(0.05)
    raise AssertionError(f"{n} client backends besides the observer, expected {others}")


@pytest.fixture
def observer(small: cluster.Cluster) -> Iterator[psycopg.Connection]:
    """A superuser connection held for the whole test, through which it measures (so no
    measuring connection is left exiting); the test starts with no other client connected."""
    with psycopg.connect(small.url(), autocommit=True) as c:
        settle(c, 0)
        yield c


def test_the_budget_is_exactly_what_the_server_accepts(small, observer):
    """Open as many connections as the budget says, as a login without superuser rights:
    every one is accepted, and the next one is refused (the slots left are reserved)."""
    url = login_url(small)
    budget = testing.measure_connections(observer)
    assert (budget.max_connections, budget.reserved) == (MAX_CONNECTIONS, RESERVED)
    assert budget.in_use == 1  # the observer
    assert budget.available == MAX_CONNECTIONS - RESERVED - 1
    opened = []
    try:
        for _ in range(budget.available):
            opened.append(psycopg.connect(url))
        assert testing.connection_budget(observer) == 0
        with pytest.raises(psycopg.OperationalError, match="reserved"):
            psycopg.connect(url)
        opened.pop().close()
        settle(observer, budget.available - 1)
        after = testing.measure_connections(observer)
        assert after.in_use == budget.available
        assert after.available == 1
        opened.append(psycopg.connect(url))  # and the login gets that one slot
    finally:
        for c in opened:
            c.close()


def test_a_connection_limit_of_the_login_is_the_budget(small, observer):
    url = login_url(small)
    observer.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT 2").format(sql.Identifier(LOGIN)))
    try:
        with psycopg.connect(url) as first:
            budget = testing.measure_connections(first)  # as the login, itself counted
            assert budget.role_left == 1
            assert budget.available == 1
            with psycopg.connect(url), pytest.raises(psycopg.OperationalError,
                                                      match="too many connections for role"):
                psycopg.connect(url)
    finally:
        observer.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT -1")
                         .format(sql.Identifier(LOGIN)))


def test_tests_get_fewer_workers_or_are_skipped_with_the_reason(observer):
    available = testing.connection_budget(observer)
    assert available == MAX_CONNECTIONS - RESERVED - 1  # the observer is in use
    assert fit_connections(observer, 5, 2) == 5
    with pytest.warns(UserWarning, match=rf"{available - SPARE_CONNECTIONS} workers instead "
                                         rf"of 100: the server allows {available} more"):
        assert fit_connections(observer, 100, 5) == available - SPARE_CONNECTIONS
    with pytest.warns(UserWarning, match="workers instead of 100"):
        assert fit_connections(observer, 100, 5, extra=1) == available - SPARE_CONNECTIONS - 1
    with warnings.catch_warnings(), pytest.raises(pytest.skip.Exception) as skipped:
        fit_connections(observer, 100, 50)
    assert str(skipped.value).startswith(
        f"needs {50 + SPARE_CONNECTIONS} connections, the server allows {available} "
        f"(max_connections {MAX_CONNECTIONS} - {RESERVED} reserved - 1 in use)")


# ---- the demo and the stress runner on the small server --------------------------------------
def run_demo(url: str) -> tuple[int, str]:
    out = io.StringIO()
    code = demo.run(url, console=Console(file=out, width=200, force_terminal=False))
    return code, out.getvalue()


def test_demo_runs_fewer_allocators_and_says_so(small_db, observer):
    code, out = run_demo(small_db)
    assert code == 0, out[-3000:]
    # in use when the demo measures: the observer and the demo's own connection;
    # 15 - 3 - 2 = 10 allowed, 5 kept spare
    allocators = MAX_CONNECTIONS - RESERVED - 2 - demo.SPARE_CONNECTIONS
    assert f"{allocators} concurrent allocators" in out
    assert (f"{allocators} allocators instead of {demo.ALLOCATORS}: the server allows "
            f"{allocators + demo.SPARE_CONNECTIONS} more connections (max_connections "
            f"{MAX_CONNECTIONS} - {RESERVED} reserved - 2 in use)") in " ".join(out.split())
    assert re.search(r"allocators started together\W+" + str(allocators) + r"\b", out)
    assert re.search(r"gapless\W+yes", out)
    assert "demo complete" in out
    assert backends(observer, demo.APPLICATION_NAME) == 0


def failed_demo(small_db, monkeypatch) -> tuple[str, str, int]:
    """Runs the demo, patched to fail, and undoes the patch: its output with white space
    folded, its output as printed, and the number of threads before it ran."""
    threads_before = threading.active_count()
    code, out = run_demo(small_db)
    monkeypatch.undo()
    assert code == 1
    return " ".join(out.split()), out, threads_before


def test_demo_skips_the_concurrent_step_without_room_and_says_why(small_db, small, observer):
    hog = [psycopg.connect(small.url()) for _ in range(MAX_CONNECTIONS - RESERVED - 4)]
    try:  # 15 - 3 - (8 + the observer + the demo's own) = 2 < 2 allocators + 5 spare
        code, out = run_demo(small_db)
    finally:
        for c in hog:
            c.close()
    assert code == 0, out[-3000:]
    flat = " ".join(out.split())
    assert (f"skipped: needs {demo.MIN_ALLOCATORS + demo.SPARE_CONNECTIONS} connections "
            f"({demo.MIN_ALLOCATORS} allocators, {demo.SPARE_CONNECTIONS} left for others), "
            "the server allows 2 (max_connections 15 - 3 reserved - 10 in use)") in flat
    assert "allocators started together" not in out
    assert "demo complete" in out


def test_a_demo_that_fails_midway_leaves_no_connection_or_thread(small_db, observer,
                                                                 monkeypatch):
    """Another client takes the last slots between the demo's measurement and its
    connections: the 4th allocator cannot connect. The demo names the step and the error,
    exits 1, and has closed the 3 allocator connections it had opened, and its own."""
    real_connect = psycopg.connect
    calls = {"allocators": 0}

    def flaky_connect(*args, **kwargs):
        if (kwargs.get("application_name") == demo.APPLICATION_NAME
                and not kwargs.get("autocommit")):  # an allocator's connection
            calls["allocators"] += 1
            if calls["allocators"] == 4:
                raise psycopg.OperationalError("sorry, too many clients already")
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(demo.psycopg, "connect", flaky_connect)
    flat, out, threads_before = failed_demo(small_db, monkeypatch)
    assert ("concurrent allocators): OperationalError: sorry, too many clients already"
            in flat), out[-2000:]
    assert "demo failed in step 7 (" in flat
    assert "Every connection and thread of the demo has been closed" in flat
    assert calls["allocators"] == 4
    assert backends(observer, demo.APPLICATION_NAME) == 0
    assert threading.active_count() == threads_before
    assert "demo complete" not in out


def test_a_failed_allocation_is_reported_and_every_thread_ends(small_db, observer, monkeypatch):
    """One allocator's call fails after the barrier: the others finish, every thread ends,
    the error is the one reported (not the broken barrier)."""
    real = demo.ErpClient.sequence_next

    def failing(self, code, *args, **kwargs):
        if self.context.trace_id == "demo-allocator-3":
            raise demo.ErpError("allocation refused on purpose", sqlstate="ZE009")
        return real(self, code, *args, **kwargs)

    monkeypatch.setattr(demo.ErpClient, "sequence_next", failing)
    flat, out, threads_before = failed_demo(small_db, monkeypatch)
    assert "ErpError: allocation refused on purpose [ZE009]" in flat, out[-2000:]
    assert "[ZE009] [ZE009]" not in flat
    assert "BrokenBarrierError" not in flat
    assert backends(observer, demo.APPLICATION_NAME) == 0
    assert threading.active_count() == threads_before


def test_stress_sizes_its_workers_to_the_server(small_db, observer):
    from erp_ops import migrate

    migrate.migrate(small_db, log=lambda *_: None)
    settle(observer, 0)
    out = io.StringIO()
    code = stress.run(small_db, workers=100, seconds=1, tenants=2, kill_interval=0.2, seed=3,
                      console=Console(file=out, width=250, force_terminal=False))
    text = out.getvalue()
    available = MAX_CONNECTIONS - RESERVED - 1  # the observer is in use
    workers = available - stress.SPARE_CONNECTIONS
    assert code == 0, text[-3000:]
    assert (f"note: {workers} workers instead of 100: the server allows {available} more "
            f"connections") in text
    assert f"stress: {workers} workers" in text
    assert "too many clients" not in text
    assert "all invariants hold" in text


def test_stress_without_room_for_one_worker_says_why(small_db, small, observer):
    hog = [psycopg.connect(small.url())  # 15 - 3 - (7 + the observer) = 4 = the spare ones
           for _ in range(MAX_CONNECTIONS - RESERVED - stress.SPARE_CONNECTIONS - 1)]
    out = io.StringIO()
    try:
        code = stress.run(small_db, workers=10, seconds=1, tenants=1,
                          console=Console(file=out, width=250, force_terminal=False))
    finally:
        for c in hog:
            c.close()
    assert code == 1
    assert (f"stress: needs at least {1 + stress.SPARE_CONNECTIONS} connections (1 worker, the "
            f"terminator and {stress.SPARE_CONNECTIONS - 1} spare), the server allows "
            f"{stress.SPARE_CONNECTIONS}") in " ".join(out.getvalue().split())
