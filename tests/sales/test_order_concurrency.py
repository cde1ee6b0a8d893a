"""Sales orders across real connections.

* **The storm**: 50 connections (fewer, at least 10, on a server without room for them), a
  barrier, rounds of transactions on a few shared drafts (line add, update, remove, confirm,
  cancel, with or without the expected version read in the same transaction) and on orders of
  their own (created, sometimes confirmed in the same transaction, later cancelled); ~20 % roll
  back and five backends are terminated before COMMIT, each holding a new order whose number it
  requested. Afterwards, in the database: every
  order's stored amounts (and every line's) equal a recomputation from its lines; exactly the
  orders whose confirmation committed have a number, each one number, one ``confirmed`` event
  and one ``numbered`` event; the numbers are SO/2026/00001 … SO/2026/N with no hole; no order
  was confirmed twice; no two committed writes of one order used the same expected version;
  nothing of a rolled-back or terminated transaction exists; ``audit_verify`` is clean.
* **Same expected version**: of two sessions that read the same version and write with it, the
  first to commit wins and the other gets ZE004, with nothing of it written.

Every cross-connection wait is bounded (statement_timeout / lock_timeout / joins)."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date

import psycopg
import pytest

from tests.base.test_sequence_concurrency import Background as _Background
from tests.conftest import Storm
from tests.sales.orders import (
    assert_recomputed,
    call,
    connect,
    line_add,
    line_json,
    line_update,
    new_shop,
    order_create,
    order_get,
    settings_set,
    tax_create,
)

GUARD = "-c statement_timeout=60s -c lock_timeout=30s"  # no test waits forever
ORDER_DATE = date(2026, 3, 2)
EXPECTED_REFUSALS = {"ZE004", "ZE009", "ZE001"}  # stale version, wrong state, line gone


def sales_shop(conn, name: str):
    """A shop with a 10 % excluded and a 21 % included tax; per_line rounding."""
    shop = new_shop(conn, name, "per_line")
    tax_create(conn, shop, "E10", "10", False)
    tax_create(conn, shop, "I21", "21", True)
    return shop


def random_line(shop, rnd: random.Random) -> dict:
    taxes = rnd.choice([[], ["E10"], ["I21"], ["E10", "I21"]])
    return line_json(shop, rnd.choice(["1", "2", "3.5", "7"]),
                     rnd.choice(["9.99", "21.53", "100", "0.05", "1234.5"]),
                     rnd.choice(["0", "0", "10", "33.33"]), taxes)


def events(conn, tenant, event_type: str) -> Counter:
    return Counter(r[0] for r in conn.execute(
        "SELECT e.entity_id::text FROM erp.erp_audit_events AS e"
        " WHERE e.tenant_id = %s AND e.event_type = %s", (tenant, event_type)))


# ---- the storm ------------------------------------------------------------------------------
WORKERS = 50
MIN_WORKERS = 10
ROUNDS = 12
SHARED = 8
ROLLBACK_RATE = 0.2
VICTIMS = 5


def test_storm_of_order_changes(conn, dsn, connections):
    workers = connections(WORKERS, MIN_WORKERS, extra=2)
    exact = connect(dsn, autocommit=True)
    shop = sales_shop(exact, "Storm")
    rnd = random.Random(20260302)
    shared = []
    for i in range(SHARED):
        if i == SHARED // 2:  # the second half is rounded globally
            settings_set(exact, shop, {"tax_rounding": "global"})
        shared.append(order_create(exact, shop, [random_line(shop, rnd)],
                                   ("EUR", "JPY", "KWD")[i % 3], ORDER_DATE)["id"])
    victims = set(rnd.sample([(w, r) for w in range(workers) for r in range(ROUNDS)], VICTIMS))

    storm = Storm(dsn, workers)
    lock = storm.lock
    confirmed: list[str] = []  # orders whose confirmation committed, once per commit
    cancelled: list[str] = []
    created: set[str] = set()  # own orders whose creation committed
    discarded: set[str] = set()  # own orders created in rolled-back or terminated transactions
    wins: Counter = Counter()  # (order, expected version) of committed writes that gave one
    stats: Counter = Counter()

    def one_round(c, wrnd: random.Random, mine: list[str], victim: bool) -> dict:
        """One transaction up to its COMMIT; what it did, for the bookkeeping."""
        did = {"confirmed": [], "cancelled": [], "created": [], "wins": []}
        if victim or wrnd.random() < 0.3:  # an order of its own, often confirmed at once
            order = order_create(c, shop, [random_line(shop, wrnd)
                                           for _ in range(wrnd.randint(1, 3))],
                                 wrnd.choice(["EUR", "JPY", "KWD"]), ORDER_DATE)
            did["created"].append(order["id"])
            if victim or wrnd.random() < 0.6:  # a victim dies with its number requested
                call(c, "sales_order_confirm", shop.tenant, order["id"],
                     expected_version=order["version"])
                did["confirmed"].append(order["id"])
            return did
        if mine and wrnd.random() < 0.15:
            order_id = wrnd.choice(mine)
            call(c, "sales_order_cancel", shop.tenant, order_id)
            did["cancelled"].append(order_id)
            return did
        order_id = wrnd.choice(shared)
        order = order_get(c, shop.tenant, order_id)
        version = order["version"] if wrnd.random() < 0.5 else None
        pick = wrnd.random()
        lines = order["lines"]
        if pick < 0.5 or not lines:
            line_add(c, shop.tenant, order_id, random_line(shop, wrnd), version)
        elif pick < 0.78:
            line_update(c, shop.tenant, wrnd.choice(lines)["id"],
                        {"quantity": wrnd.choice([1, 2, 5]),
                         "discount": wrnd.choice([0, 5, 12.5])}, version)
        elif pick < 0.95:
            call(c, "sales_order_line_remove", shop.tenant, wrnd.choice(lines)["id"],
                 expected_version=version)
        elif pick < 0.98:
            call(c, "sales_order_confirm", shop.tenant, order_id, expected_version=version)
            did["confirmed"].append(order_id)
        else:
            call(c, "sales_order_cancel", shop.tenant, order_id, expected_version=version)
            did["cancelled"].append(order_id)
        # a write with an expected version that changed something (a line patch that changes
        # nothing bumps no version, and another writer may then win with the same one)
        if version is not None and order_get(c, shop.tenant, order_id)["version"] != version:
            did["wins"].append((order_id, version))
        return did

    def worker(w: int) -> None:
        wrnd = random.Random(w)
        c = connect(dsn, options=GUARD)
        mine: list[str] = []
        try:
            storm.barrier.wait()
            for r in range(ROUNDS):
                try:
                    did = one_round(c, wrnd, mine, (w, r) in victims)
                except psycopg.Error as exc:
                    if exc.sqlstate not in EXPECTED_REFUSALS:
                        raise
                    c.rollback()
                    with lock:
                        stats[f"refused {exc.sqlstate}"] += 1
                    continue
                if (w, r) in victims:
                    c = be_killed(c)
                    outcome = "killed"
                elif wrnd.random() < ROLLBACK_RATE:
                    c.rollback()
                    outcome = "rolled_back"
                else:
                    c.commit()
                    outcome = "committed"
                    mine.extend(did["confirmed"])
                    for o in did["cancelled"]:
                        if o in mine:
                            mine.remove(o)
                with lock:
                    stats[outcome] += 1
                    if outcome == "committed":
                        confirmed.extend(did["confirmed"])
                        cancelled.extend(did["cancelled"])
                        created.update(did["created"])
                        wins.update(did["wins"])
                    else:
                        discarded.update(did["created"])
        finally:
            c.close()

    def be_killed(c) -> psycopg.Connection:
        """Terminated idle in transaction, before COMMIT: nothing of it may survive."""
        pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]
        assert storm.kill(pid).wait(30), "the killer did not come"
        with pytest.raises(psycopg.OperationalError):
            c.commit()
        c.close()
        return connect(dsn, options=GUARD)

    elapsed = storm.run(worker)

    # ---- the invariants ----------------------------------------------------------------------
    assert stats["killed"] == VICTIMS
    assert stats["committed"] > 0 and stats["rolled_back"] > 0
    assert max(wins.values(), default=1) == 1, "two committed writes used one expected version"
    assert max(Counter(confirmed).values()) == 1, "an order was confirmed twice"
    rows = exact.execute("SELECT o.id::text, o.state, o.number FROM erp.sales_orders AS o"
                         " WHERE o.tenant_id = %s", (shop.tenant,)).fetchall()
    state = {o: s for o, s, _n in rows}
    number = {o: n for o, _s, n in rows if n is not None}
    assert created <= set(state) and not discarded & set(state), \
        "exactly the committed orders of their own exist"
    assert set(state) == created | set(shared)
    assert set(number) == set(confirmed), "exactly the committed confirmations have a number"
    assert sorted(number.values()) == [f"SO/2026/{i:05d}" for i in range(1, len(number) + 1)]
    for o, s in state.items():
        want = "cancelled" if o in cancelled else "confirmed" if o in number else "draft"
        assert s == want, f"order {o}"
    assert events(exact, shop.tenant, "erp.sales.order.confirmed") == Counter(confirmed)
    assert events(exact, shop.tenant, "erp.sales.order.numbered") == Counter(confirmed)
    for o in state:
        assert_recomputed(exact, shop.tenant, o)
    assert exact.execute("SELECT count(*) FROM erp.erp_number_requests").fetchone()[0] == 0
    assert exact.execute("SELECT * FROM erp.audit_verify(%s)", (shop.tenant,)).fetchall() == []
    exact.close()
    print(f"\norder storm: {workers} workers, {dict(stats)}, {len(number)} numbered, "
          f"{len(set(cancelled))} cancelled, in {elapsed:.2f} s")


# ---- same expected version ---------------------------------------------------------------------
class Background(_Background):
    """The sequence tests' background call, which can also say whether it finished."""

    def done(self) -> bool:
        return not self._thread.is_alive()


def wait_until_blocked_or_done(admin, pid, call_: Background, timeout=10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not call_.done():
        row = admin.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                            (pid,)).fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.005)
    assert call_.done(), f"backend {pid} neither blocked on a lock nor finished"


def operation(name: str, shop, order: dict):
    """(connection, expected version) -> the call ``name`` on ``order``."""
    line_id = order["lines"][0]["id"]
    return {
        "line_add": lambda c, v: line_add(c, shop.tenant, order["id"],
                                          line_json(shop, 1, 5, 0, ["E10"]), v),
        "line_update": lambda c, v: line_update(c, shop.tenant, line_id, {"quantity": 9}, v),
        "line_remove": lambda c, v: call(c, "sales_order_line_remove", shop.tenant, line_id,
                                         expected_version=v),
        "update": lambda c, v: call(c, "sales_order_update", shop.tenant, order["id"],
                                    '{"note": "changed"}', expected_version=v),
        "confirm": lambda c, v: call(c, "sales_order_confirm", shop.tenant, order["id"],
                                     expected_version=v),
        "cancel": lambda c, v: call(c, "sales_order_cancel", shop.tenant, order["id"],
                                    expected_version=v),
    }[name]


def snapshot(conn, tenant, order_id) -> tuple:
    """The order, its lines and the tenant's event count."""
    return (order_get(conn, tenant, order_id),
            conn.execute("SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s",
                         (tenant,)).fetchone()[0])


@pytest.mark.parametrize(("first", "second"), [
    ("line_add", "line_add"), ("line_add", "confirm"), ("confirm", "confirm"),
    ("line_update", "line_remove"), ("update", "cancel"), ("confirm", "cancel"),
    ("cancel", "line_add")])
def test_two_sessions_with_the_same_expected_version_cannot_both_win(conn, dsn, first, second):
    exact = connect(dsn, autocommit=True)
    shop = sales_shop(exact, "Versions")
    order = order_create(exact, shop, [line_json(shop, 2, 10, 0, ["E10"]),
                                       line_json(shop, 1, 3, 0, [])], "EUR", ORDER_DATE)
    version = order["version"]
    with connect(dsn, options=GUARD) as a, connect(dsn, options=GUARD) as b:
        b_pid = b.execute("SELECT pg_backend_pid()").fetchone()[0]
        b.rollback()
        assert order_get(a, shop.tenant, order["id"])["version"] == version
        assert order_get(b, shop.tenant, order["id"])["version"] == version
        operation(first, shop, order)(a, version)
        loser = Background(lambda: operation(second, shop, order)(b, version))
        wait_until_blocked_or_done(conn, b_pid, loser)
        a.commit()
        after_a = snapshot(exact, shop.tenant, order["id"])
        with pytest.raises(psycopg.Error) as refused:
            loser.result()
        assert refused.value.sqlstate == "ZE004", refused.value
        b.rollback()
    assert snapshot(exact, shop.tenant, order["id"]) == after_a, "nothing of the loser"
    assert after_a[0]["version"] > version
    assert exact.execute("SELECT * FROM erp.audit_verify(%s)", (shop.tenant,)).fetchall() == []
    exact.close()


# ---- a tax archived while a line takes it ------------------------------------------------------
@pytest.mark.parametrize("first", ["line", "archive"])
def test_a_tax_is_never_archived_under_a_draft_line(conn, dsn, first):
    """A line that takes a tax and the tax's archive, each in an open transaction of its own:
    whichever commits first, the other waits and is refused (the archive ZE005 while a draft's
    line uses the tax, the line ZE009 once the tax is archived), never a draft line with an
    archived tax."""
    exact = connect(dsn, autocommit=True)
    shop = sales_shop(exact, "Tax race")
    order = order_create(exact, shop, [line_json(shop, 1, 10, 0, [])], "EUR", ORDER_DATE)
    tax_id = shop.taxes["E10"]["id"]
    steps = {"line": lambda c: line_add(c, shop.tenant, order["id"],
                                        line_json(shop, 2, 7, 0, ["E10"])),
             "archive": lambda c: call(c, "sales_tax_archive", shop.tenant, tax_id)}
    second = "archive" if first == "line" else "line"
    with connect(dsn, options=GUARD) as a, connect(dsn, options=GUARD) as b:
        b_pid = b.execute("SELECT pg_backend_pid()").fetchone()[0]
        b.rollback()
        steps[first](a)
        waiting = Background(lambda: steps[second](b))
        wait_until_blocked_or_done(conn, b_pid, waiting)
        assert not waiting.done(), f"the {second} waits for the {first}"
        a.commit()
        with pytest.raises(psycopg.Error) as refused:
            waiting.result()
        assert refused.value.sqlstate == ("ZE005" if second == "archive" else "ZE009")
        b.rollback()
    active = exact.execute("SELECT active FROM erp.sales_taxes WHERE tenant_id = %s AND id = %s",
                           (shop.tenant, tax_id)).fetchone()[0]
    lines = order_get(exact, shop.tenant, order["id"])["lines"]
    assert active == (first == "line")
    assert [ln["tax_ids"] for ln in lines] == ([[], [tax_id]] if first == "line" else [[]])
    assert_recomputed(exact, shop.tenant, order["id"])
    assert exact.execute("SELECT * FROM erp.audit_verify(%s)", (shop.tenant,)).fetchall() == []
    exact.close()
