"""erp.audit_feed: a consumer that resumes from the last position it saw gets every committed
event of its tenant exactly once, late commits included, rolled-back events never; bad
arguments are ZE003; erp.audit_feed_lag shows what an open transaction holds back; only
erp_auditor and erp_admin may read the feed.

The horizon is cluster-wide: a transaction of any session (autovacuum's ANALYZE included) may
hold it back for a moment, so a test that expects events to be served first waits until the
horizon has passed their transactions (``wait_horizon``); it never waits on a clock."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.conftest import new_tenant

HORIZON_WAIT = 60.0  # seconds; only reached if another session keeps a transaction open


def feed(conn: psycopg.Connection, tenant: uuid.UUID, after: str | None = None,
         limit: int | None = 1000) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("SELECT * FROM erp.audit_feed(%s, %s, %s)",
                           (tenant, after, limit)).fetchall()


def drain(conn: psycopg.Connection, tenant: uuid.UUID, after: str | None = None,
          limit: int = 1000) -> tuple[list[dict], str | None]:
    """Every event the feed serves after ``after``, page by page; and the last position."""
    events: list[dict] = []
    while True:
        page = feed(conn, tenant, after, limit)
        events.extend(page)
        if page:
            after = page[-1]["position"]
        if len(page) < limit:
            return events, after


def committed(conn: psycopg.Connection, tenant: uuid.UUID) -> list[tuple]:
    """(xact_id, id) of every committed event of the tenant, in feed order (superuser read)."""
    return [(int(x), i) for x, i in conn.execute(
        "SELECT xact_id::text, id FROM erp.erp_audit_events WHERE tenant_id = %s"
        " ORDER BY xact_id, id", (tenant,))]


def category(conn: psycopg.Connection, tenant: uuid.UUID, code: str) -> uuid.UUID:
    """One audited write (a UoM category); returns the new entity's id."""
    return conn.execute(
        "SELECT (erp.uom_category_create(%s, NULL, 'SYSTEM', 'feed-test', %s, %s)).id",
        (tenant, code, f"Category {code}")).fetchone()[0]


def xact(conn: psycopg.Connection) -> int:
    return int(conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0])


def wait_horizon(conn: psycopg.Connection, beyond: int) -> None:
    """Wait until every transaction up to ``beyond`` has ended (the feed serves them)."""
    deadline = time.monotonic() + HORIZON_WAIT
    while True:
        horizon = int(conn.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()[0])
        if horizon > beyond:
            return
        assert time.monotonic() < deadline, f"the horizon stayed at {horizon} <= {beyond}"
        time.sleep(0.02)


def max_xact(conn: psycopg.Connection) -> int:
    return int(conn.execute("SELECT max(xact_id)::text FROM erp.erp_audit_events").fetchone()[0])


# ---- resumption ------------------------------------------------------------------------------
def test_paging_and_resuming_serves_every_event_once_in_position_order(conn, tenant):
    other = new_tenant(conn, "Other")
    conn.execute(
        "SELECT erp.atomic_insert_many_with_audit(%s, NULL, 'SYSTEM', 'feed-test',"
        " 'erp.base.uom_category', (SELECT jsonb_agg(jsonb_build_object('code', 'C' || g,"
        " 'name', 'Category ' || g)) FROM generate_series(1, 40) AS g))", (tenant,))
    with conn.transaction():  # several events of one transaction share its xact_id
        for code in ("X1", "X2", "X3"):
            category(conn, tenant, code)
    category(conn, other, "O1")
    for k in range(5):
        category(conn, tenant, f"L{k}")
    wait_horizon(conn, max_xact(conn))

    expected = committed(conn, tenant)
    assert len(expected) == 1 + 40 + 3 + 5  # tenant.created, the batch, the transaction, 5

    # a consumer that stops after every page and resumes from the last position it kept
    seen: list[dict] = []
    after = None
    calls = 0
    while True:
        page = feed(conn, tenant, after, 7)
        calls += 1
        assert len(page) <= 7
        if not page:
            break
        seen.extend(page)
        after = page[-1]["position"]
    assert calls == -(-len(expected) // 7) + 1  # the pages, then one empty call
    assert [(int(e["xact_id"]), e["id"]) for e in seen] == expected
    assert [e["position"] for e in seen] == [f"{x}:{i}" for x, i in expected]
    assert len({e["id"] for e in seen}) == len(seen)
    assert {e["entity_type"] for e in seen} == {"erp.base.tenant", "erp.base.uom_category"}
    assert all(e["db_user"] == "postgres" for e in seen)

    # the same in one page, and from every position: the rest, never anything before it
    assert [e["id"] for e in feed(conn, tenant, None, 10000)] == [i for _, i in expected]
    for k in (0, 6, 7, 25, len(seen) - 1):
        rest = feed(conn, tenant, seen[k]["position"], 10000)
        assert [e["id"] for e in rest] == [e["id"] for e in seen[k + 1:]]
    # the other tenant's events never appear; an unknown tenant has an empty feed
    assert [e["entity_type"] for e in feed(conn, other)] == ["erp.base.tenant",
                                                            "erp.base.uom_category"]
    assert feed(conn, uuid.uuid4()) == []


def test_a_late_commit_is_served_when_it_commits_and_nothing_after_it_before(conn, dsn,
                                                                             tenant):
    wait_horizon(conn, max_xact(conn))
    start, last = drain(conn, tenant)
    assert [e["event_type"] for e in start] == ["erp.base.tenant.created"]

    t3 = psycopg.connect(dsn)  # begins first, commits while t1 is still open
    t1 = psycopg.connect(dsn)  # begins next, commits last
    try:
        t3_entity = category(t3, tenant, "T3")
        x3 = xact(t3)
        t1_entity = category(t1, tenant, "T1")
        x1 = xact(t1)
        t1_started = t1.execute("SELECT now()").fetchone()[0]
        assert x3 < x1
        t3.commit()
        t2_entities = [category(conn, tenant, f"T2-{k}") for k in range(3)]  # autocommit
        x2 = max_xact(conn)
        assert x2 > x1

        wait_horizon(conn, x3)  # t3 has ended; t1 keeps the horizon at x1 at most
        served, after = drain(conn, tenant, last, limit=2)
        assert [e["entity_id"] for e in served] == [t3_entity]
        assert all(int(e["xact_id"]) < x1 for e in served)
        # later transactions are held back too, although they committed
        assert feed(conn, tenant, after) == []

        lag = conn.execute("SELECT * FROM erp.audit_feed_lag(%s)", (tenant,)).fetchone()
        horizon, held_back, oldest_held_back, _ = lag
        assert x3 < int(horizon) <= x1
        assert held_back == 3  # t2's, committed and above the horizon
        t2_created = conn.execute(
            "SELECT min(created_at) FROM erp.erp_audit_events WHERE entity_id = ANY(%s)",
            (t2_entities,)).fetchone()[0]
        assert oldest_held_back == t2_created
        assert t1_started <= t2_created

        t1.commit()
        wait_horizon(conn, x2)
        late, end = drain(conn, tenant, after, limit=2)
        # t1's event first (its transaction is older), then t2's, each once
        assert [e["entity_id"] for e in late] == [t1_entity, *t2_entities]
        assert feed(conn, tenant, end) == []
        everything, _ = drain(conn, tenant)
        assert [(int(e["xact_id"]), e["id"]) for e in everything] == committed(conn, tenant)
        assert conn.execute("SELECT held_back FROM erp.audit_feed_lag(%s)",
                            (tenant,)).fetchone()[0] == 0
    finally:
        t1.close()
        t3.close()


def test_a_transaction_in_another_database_holds_the_feed_back(conn, server, tenant):
    """The horizon is cluster-wide: the documented price of exactly-once."""
    wait_horizon(conn, max_xact(conn))
    _, last = drain(conn, tenant)
    with psycopg.connect(server.url) as elsewhere:  # the server's maintenance database
        held = xact(elsewhere)
        entity = category(conn, tenant, "HELD")
        assert max_xact(conn) > held
        assert feed(conn, tenant, last) == []
        assert conn.execute("SELECT held_back FROM erp.audit_feed_lag(%s)",
                            (tenant,)).fetchone()[0] == 1
        elsewhere.rollback()
    wait_horizon(conn, max_xact(conn))
    assert [e["entity_id"] for e in feed(conn, tenant, last)] == [entity]


def test_rolled_back_events_never_appear(conn, dsn, tenant):
    with psycopg.connect(dsn) as c:
        gone = [category(c, tenant, "RB1"), category(c, tenant, "RB2")]
        c.rollback()
        with c.transaction():
            kept = category(c, tenant, "KEEP1")
            with pytest.raises(psycopg.errors.RaiseException), c.transaction():
                gone.append(category(c, tenant, "SAVEPOINT"))
                c.execute("DO $$ BEGIN RAISE 'undo the savepoint'; END $$")
            kept2 = category(c, tenant, "KEEP2")
    # a refused call writes nothing either
    with pytest.raises(psycopg.Error) as refused:
        category(conn, tenant, "KEEP1")
    assert refused.value.sqlstate == "ZE002"
    wait_horizon(conn, max_xact(conn))

    events, _ = drain(conn, tenant, limit=3)
    ids = [e["entity_id"] for e in events]
    assert ids == [tenant, kept, kept2]
    assert not set(gone) & set(ids)
    assert [(int(e["xact_id"]), e["id"]) for e in events] == committed(conn, tenant)
    assert int(events[1]["xact_id"]) == int(events[2]["xact_id"])  # one transaction


# ---- refusals --------------------------------------------------------------------------------
ID = "01a228ec-a163-765a-8bff-b19fabe10b21"


@pytest.mark.parametrize("after", [
    "", "garbage", "123", "123:", f":{ID}", "123:not-a-uuid", f"-1:{ID}", f"12:{ID.upper()}",
    f"12:{ID}:9", f"1 :{ID}", f"12: {ID}", f"123456789012345678901:{ID}",
    f"99999999999999999999:{ID}",  # too large for xid8 (which saturates)
    f"18446744073709551616:{ID}",  # beyond xid8 (22003 on PostgreSQL 16+ if cast first)
    f"1:12:{ID}", f"9999999999:12:{ID}",  # an era this database never recorded
    f"0:12:{ID}:", f"12345678901:12:{ID}",
    "x" * 100_000,
])
def test_a_bad_position_is_ze003(conn, tenant, after):
    with pytest.raises(psycopg.Error) as exc:
        feed(conn, tenant, after)
    assert exc.value.sqlstate == "ZE003"
    assert len(str(exc.value)) < 1000  # the message stays short whatever the input


@pytest.mark.parametrize("limit", [0, -1, 10001, 2**62, None])
def test_a_bad_limit_is_ze003(conn, tenant, limit):
    with pytest.raises(psycopg.Error) as exc:
        feed(conn, tenant, None, limit)
    assert exc.value.sqlstate == "ZE003"


def test_limits_at_the_bounds_and_the_default(conn, tenant):
    wait_horizon(conn, max_xact(conn))
    category(conn, tenant, "B1")
    wait_horizon(conn, max_xact(conn))
    assert len(feed(conn, tenant, None, 1)) == 1
    assert len(feed(conn, tenant, None, 10000)) == 2
    with conn.cursor() as cur:  # p_after and p_limit left to their defaults
        assert len(cur.execute("SELECT * FROM erp.audit_feed(%s)", (tenant,)).fetchall()) == 2


# ---- lag -------------------------------------------------------------------------------------
def test_lag_counts_what_an_open_transaction_holds_back(conn, dsn, tenant):
    wait_horizon(conn, max_xact(conn))
    idle = conn.execute("SELECT * FROM erp.audit_feed_lag(%s)", (tenant,)).fetchone()
    assert idle[1] == 0 and idle[2] is None
    assert int(idle[0]) > max_xact(conn)
    with psycopg.connect(dsn) as t1:
        category(t1, tenant, "OPEN")
        category(conn, tenant, "AFTER")
        after = conn.execute("SELECT max(created_at) FROM erp.erp_audit_events").fetchone()[0]
        horizon, held_back, oldest_held_back, _ = conn.execute(
            "SELECT * FROM erp.audit_feed_lag(%s)", (tenant,)).fetchone()
        assert held_back == 1  # AFTER (committed); OPEN is not committed, so not counted
        assert oldest_held_back == after
        assert int(horizon) <= xact(t1)
        t1.rollback()
    wait_horizon(conn, max_xact(conn))
    assert conn.execute("SELECT held_back FROM erp.audit_feed_lag(%s)",
                        (tenant,)).fetchone()[0] == 0


def test_lag_names_when_the_oldest_open_transaction_began(conn, dsn, tenant):
    with psycopg.connect(dsn) as t1:
        category(t1, tenant, "OPEN")
        started = t1.execute("SELECT now()").fetchone()[0]
        category(conn, tenant, "AFTER")
        oldest_open = conn.execute(
            "SELECT oldest_open_transaction FROM erp.audit_feed_lag(%s)",
            (tenant,)).fetchone()[0]
        t1.rollback()
    assert oldest_open is not None
    assert oldest_open <= started


def test_the_caller_s_own_open_events_are_neither_served_nor_held_back(conn, tenant):
    wait_horizon(conn, max_xact(conn))
    with conn.transaction():
        category(conn, tenant, "MINE")
        assert [e["event_type"] for e in feed(conn, tenant)] == ["erp.base.tenant.created"]
        assert conn.execute("SELECT held_back FROM erp.audit_feed_lag(%s)",
                            (tenant,)).fetchone()[0] == 0
    wait_horizon(conn, max_xact(conn))
    assert [e["event_type"] for e in feed(conn, tenant)] == ["erp.base.tenant.created",
                                                            "erp.base.uom_category.created"]


# ---- who may read it -------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    "SELECT * FROM erp.audit_feed(%s)", "SELECT * FROM erp.audit_feed_lag(%s)",
    "SELECT * FROM erp.audit_tenants() WHERE tenant_id = %s",
])
def test_erp_app_may_not_read_the_feed(conn, tenant, call):
    conn.execute("SET ROLE erp_app")
    with pytest.raises(psycopg.Error) as exc:
        conn.execute(call, (tenant,))
    assert exc.value.sqlstate == "42501"


@pytest.mark.parametrize("role", ["erp_auditor", "erp_admin"])
def test_erp_auditor_and_erp_admin_read_the_feed(conn, tenant, role):
    wait_horizon(conn, max_xact(conn))
    conn.execute(f"SET ROLE {role}")
    events = feed(conn, tenant)
    assert [e["event_type"] for e in events] == ["erp.base.tenant.created"]
    assert conn.execute("SELECT held_back FROM erp.audit_feed_lag(%s)",
                        (tenant,)).fetchone()[0] == 0
    assert conn.execute("SELECT name FROM erp.audit_tenants() WHERE tenant_id = %s",
                        (tenant,)).fetchone()[0] == "Acme"
    with pytest.raises(psycopg.Error) as exc:  # still no table access
        conn.execute("SELECT 1 FROM erp.erp_audit_events LIMIT 1")
    assert exc.value.sqlstate == "42501"


def test_a_position_naming_an_event_this_database_does_not_hold_is_ze009(conn, tenant):
    """E.g. a consumer's position after a point-in-time restore to an earlier point: refused,
    never a silent skip, also when its transaction id lies beyond this cluster's counter; a
    position naming an event of another tenant likewise."""
    category(conn, tenant, "P")
    wait_horizon(conn, max_xact(conn))
    events, last = drain(conn, tenant)
    assert events
    other = new_tenant(conn, "Other")
    beyond = f"18446744073709551615:{events[-1]['id']}"  # beyond this cluster's counter
    for t, after in ((tenant, f"{events[-1]['xact_id']}:{ID}"), (other, last), (tenant, beyond)):
        with pytest.raises(psycopg.Error) as exc:
            feed(conn, t, after)
        assert exc.value.sqlstate == "ZE009"
    assert feed(conn, tenant, last) == []  # the position it served still works
