"""Concurrent reservations of one hot product never oversell (DESIGN "erp.inventory",
Concurrency: 100 concurrent reservers of 10 units on hand get exactly 10 units between them).

100 real connections (fewer, at least 20, on a server without room) each reserve their own
delivery of the product at once, released together by a barrier:

* all or nothing (``p_partial => false``), 1 unit each: exactly 10 reservations succeed, every
  other one is refused with ZE010 and reserves nothing;
* partial, 3 units each: the reservations add up to exactly the 10 on hand (a caller gets
  what is left, possibly nothing, never an error), each move's state matches what it got.

Afterwards the balance's reserved is 10 = the sum of the moves' reservations, on hand is
still 10, erp.inventory_verify and erp.audit_verify are clean. The failure this catches:
a read-then-write reservation (or SKIP LOCKED over duplicated quants) lets two callers see
the same free units, and reserved climbs above on hand."""

from __future__ import annotations

import threading
import time
from collections import Counter
from decimal import Decimal

import psycopg
import pytest

from tests.inventory import stock


def entity_events(conn, tenant, picking_ids) -> dict:
    """{entity id: number of events} of the pickings and their moves."""
    return dict(conn.execute(
        "SELECT e.entity_id, count(*) FROM erp.erp_audit_events AS e WHERE e.tenant_id = %s"
        " AND (e.entity_id = ANY(%s) OR e.entity_id IN (SELECT m.id FROM erp.inventory_moves"
        " AS m WHERE m.tenant_id = %s AND m.picking_id = ANY(%s))) GROUP BY 1",
        (tenant, picking_ids, tenant, picking_ids)).fetchall())


THREADS = 100
MIN_THREADS = 20
ON_HAND = 10


@pytest.mark.parametrize("partial, demand", [(False, 1), (True, 3)],
                         ids=["all_or_nothing", "partial"])
def test_concurrent_reservations_get_exactly_what_is_on_hand(conn, dsn, tenant, connections,
                                                             partial, demand):
    threads_n = connections(THREADS, MIN_THREADS)
    locs = stock.setup(conn, tenant)
    stock_loc = locs["stock"]["id"]
    unit, _dozen = stock.units(conn, tenant)
    product = stock.product(conn, tenant, unit)
    stock.receive(conn, tenant, product, ON_HAND)
    pickings = [stock.delivery(conn, tenant, [(product, demand)])["id"]
                for _ in range(threads_n)]
    events_before = entity_events(conn, tenant, pickings)

    outcomes: list[tuple[str, object]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads_n)

    def worker(i: int) -> None:
        try:
            with psycopg.connect(dsn, options=stock.GUARD) as c:
                c.execute("SELECT 1")
                c.commit()
                barrier.wait(timeout=60)
                try:
                    got = stock.reserve(c, tenant, pickings[i], partial=partial)
                    c.commit()
                    result = ("ok", got)
                except psycopg.Error as exc:
                    c.rollback()
                    result = ("error", exc.sqlstate)
        except BaseException as exc:  # handed to the test thread
            barrier.abort()
            result = ("crash", repr(exc))
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads), "a reserver hung"
    kinds = Counter(k if k != "error" else f"error {v}" for k, v in outcomes)
    assert len(outcomes) == threads_n
    assert not [v for k, v in outcomes if k == "crash"], outcomes

    reserved_by_move = {m["id"]: Decimal(str(m["reserved_qty"]))
                        for i in range(threads_n)
                        for m in stock.moves_of(conn, tenant, pickings[i])}
    if not partial:
        assert kinds == Counter({"ok": ON_HAND, "error ZE010": threads_n - ON_HAND}), kinds
        assert Counter(reserved_by_move.values()) == Counter(
            {Decimal(1): ON_HAND, Decimal(0): threads_n - ON_HAND})
        # a refused caller wrote nothing: its picking and move have the events they had
        refused = [pickings[i] for i in range(threads_n)
                   if not any(Decimal(str(m["reserved_qty"])) > 0
                              for m in stock.moves_of(conn, tenant, pickings[i]))]
        after = entity_events(conn, tenant, refused)
        assert len(refused) == threads_n - ON_HAND
        assert after == {k: events_before.get(k) for k in after}, "a refusal wrote an event"
    else:
        assert kinds == Counter({"ok": threads_n}), kinds
        got = sorted(reserved_by_move.values(), reverse=True)
        assert sum(got) == ON_HAND, f"the moves reserved {sum(got)} of {ON_HAND} on hand"
        assert all(0 <= q <= demand for q in got)
        states = {m["id"]: m["state"] for i in range(threads_n)
                  for m in stock.moves_of(conn, tenant, pickings[i])}
        for move_id, q in reserved_by_move.items():
            expected = ("assigned" if q == demand else
                        "partially_available" if q > 0 else "confirmed")
            assert states[move_id] == expected, (move_id, q, states[move_id])
        # what each caller was told is what its move holds
        told = {m["id"]: Decimal(str(m["reserved_qty"])) for k, v in outcomes if k == "ok"
                for m in v["moves"]}
        assert told == reserved_by_move

    assert stock.balance(conn, tenant, product, stock_loc) == (ON_HAND, ON_HAND)
    assert stock.on_hand(conn, tenant, product, stock_loc) == (ON_HAND, ON_HAND, 0)
    assert stock.on_hand(conn, tenant, product) == (ON_HAND, ON_HAND, 0)
    assert sum(reserved_by_move.values()) == ON_HAND
    assert stock.problems(conn, tenant) == {}


def test_reserving_again_after_the_rush_is_refused_and_a_release_frees_units(conn, tenant):
    """Once the 10 units are reserved, one more all-or-nothing reservation is ZE010 and
    writes nothing; cancelling a picking that holds 3 lets exactly 3 more be reserved."""
    locs = stock.setup(conn, tenant)
    unit, _ = stock.units(conn, tenant)
    product = stock.product(conn, tenant, unit)
    stock.receive(conn, tenant, product, ON_HAND)
    first = stock.delivery(conn, tenant, [(product, 3)])
    second = stock.delivery(conn, tenant, [(product, 7)])
    third = stock.delivery(conn, tenant, [(product, 3)])
    stock.reserve(conn, tenant, first["id"], partial=False)
    stock.reserve(conn, tenant, second["id"], partial=False)
    before = stock.events(conn, tenant)
    with pytest.raises(psycopg.Error) as err:
        stock.reserve(conn, tenant, third["id"], partial=False)
    assert err.value.sqlstate == "ZE010"
    assert stock.events(conn, tenant) == before
    assert stock.balance(conn, tenant, product, locs["stock"]["id"]) == (ON_HAND, ON_HAND)
    stock.cancel(conn, tenant, first["id"])
    assert stock.balance(conn, tenant, product, locs["stock"]["id"]) == (ON_HAND, 7)
    got = stock.reserve(conn, tenant, third["id"], partial=False)
    assert [m["state"] for m in got["moves"]] == ["assigned"]
    assert stock.balance(conn, tenant, product, locs["stock"]["id"]) == (ON_HAND, ON_HAND)
    assert stock.problems(conn, tenant) == {}


@pytest.mark.parametrize("partial", [True, False], ids=["partial", "all_or_nothing"])
def test_stock_taken_between_the_unlocked_read_and_the_update(conn, dsn, tenant, partial):
    """A reservation plans from an unlocked read and updates the balance last. Here one
    transaction holds 6 of the 10 units, uncommitted, while another asks for 8: it reads 10
    free, writes its move and waits on the balance row; when the first commits, its
    conditional UPDATE no longer fits. Partial: the move is rewritten under the lock with the
    4 that are left (partially_available) and the caller is told 4; all or nothing: ZE010 and
    the move and picking have no new event."""
    locs = stock.setup(conn, tenant)
    unit, _ = stock.units(conn, tenant)
    product = stock.product(conn, tenant, unit)
    stock.receive(conn, tenant, product, ON_HAND)
    first = stock.delivery(conn, tenant, [(product, 6)])["id"]
    second = stock.delivery(conn, tenant, [(product, 8)])["id"]
    events_before = entity_events(conn, tenant, [second])
    result: dict = {}
    with psycopg.connect(dsn, options=stock.GUARD) as a, \
            psycopg.connect(dsn, options=stock.GUARD) as b:
        b_pid = b.execute("SELECT pg_backend_pid()").fetchone()[0]
        b.commit()
        stock.reserve(a, tenant, first, partial=False)  # holds the balance row, uncommitted

        def second_reserver() -> None:
            try:
                result["ok"] = stock.reserve(b, tenant, second, partial=partial)
                b.commit()
            except psycopg.Error as exc:
                b.rollback()
                result["error"] = exc.sqlstate

        th = threading.Thread(target=second_reserver, daemon=True)
        th.start()
        for _ in range(1200):
            if conn.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                            (b_pid,)).fetchone()[0]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second reservation never waited on the balance row")
        a.commit()
        th.join(timeout=60)
    assert not th.is_alive()
    moves = stock.moves_of(conn, tenant, second)
    if partial:
        assert [(Decimal(str(m["reserved_qty"])), m["state"]) for m in result["ok"]["moves"]] == [
            (Decimal(4), "partially_available")]
        assert result["ok"]["state"] == "confirmed"
        assert [(Decimal(str(m["reserved_qty"])), m["state"]) for m in moves] == [
            (Decimal(4), "partially_available")]
    else:
        assert result == {"error": "ZE010"}
        assert [Decimal(str(m["reserved_qty"])) for m in moves] == [0]
        assert entity_events(conn, tenant, [second]) == events_before
    assert stock.balance(conn, tenant, product, locs["stock"]["id"]) == (
        ON_HAND, ON_HAND if partial else 6)
    assert stock.problems(conn, tenant) == {}
