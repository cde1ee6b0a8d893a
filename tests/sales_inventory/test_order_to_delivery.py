"""An order's life through the bridge, one committed transaction per call as an application
makes them: confirming makes the delivery (confirmed, not reserved); it is reserved and
validated in two parts, and the order follows (1 of 5 books delivered and confirmed after part
one, 5 and done after part two, with the events in audit_history); cancelling after a partial
delivery is refused (ZE009) and changes nothing; cancelling before delivery cancels the
delivery and releases its reservation, and a cancellation that waited for a partial delivery's
validation is refused once it committed; inventory_verify and audit_verify stay clean."""

from __future__ import annotations

import time
from decimal import Decimal

import psycopg

from tests.conftest import sqlstate
from tests.sales_inventory.shop import Shop, serial

GUARD = "-c statement_timeout=60s -c lock_timeout=30s"  # no test waits forever


def verbs(shop: Shop, entity_type: str, entity_id: str) -> list[str]:
    return [r[0].rsplit(".", 1)[1] for r in shop.conn.execute(
        "SELECT event_type FROM erp.audit_history(%s, %s, %s) ORDER BY entity_version",
        (shop.tenant, entity_type, entity_id))]


def test_order_to_delivery_in_two_parts(conn):
    shop = Shop(conn)
    book = shop.product("BOOK", on_hand=10)
    setup = shop.product("SETUP", "service")
    order = shop.order((book, 5), (setup, 1))
    shop.confirm(order)

    confirmed = shop.get(order)
    assert confirmed["state"] == "confirmed" and serial(confirmed["number"]) == 1
    [delivery] = shop.deliveries(order)
    assert (delivery["kind"], delivery["state"], delivery["origin_id"]) == (
        "delivery", "confirmed", order)
    assert [(m["product_id"], Decimal(m["quantity"]), Decimal(m["reserved_qty"]))
            for m in delivery["moves"]] == [(str(book), 5, 0)], "the service does not move"
    assert shop.on_hand(book) == (10, 0), "confirming reserves nothing"

    shop.reserve(delivery["id"])
    assert shop.on_hand(book) == (10, 5)
    part_one = shop.validate(delivery, {delivery["moves"][0]["id"]: 2})
    assert part_one["state"] == "done"
    after_one = shop.get(order)
    assert after_one["state"] == "confirmed"
    assert [Decimal(li["qty_delivered"]) for li in after_one["lines"]] == [2, 0]
    first, backorder = shop.deliveries(order)
    assert first["id"] == delivery["id"] and backorder["backorder_of_id"] == delivery["id"]
    assert serial(first["number"]) == 1, "numbered OUT/…1 when its validation committed"
    assert [(Decimal(m["quantity"]), Decimal(m["reserved_qty"])) for m in backorder["moves"]] == [
        (3, 3)], "the backorder keeps the reservation of the rest"

    shop.validate(backorder)
    done = shop.get(order)
    assert done["state"] == "done"
    assert [Decimal(li["qty_delivered"]) for li in done["lines"]] == [5, 0]
    assert shop.on_hand(book) == (5, 0)
    assert verbs(shop, "erp.sales.order", order) == ["created", "confirmed", "numbered", "done"]
    assert verbs(shop, "erp.sales.order_line", done["lines"][0]["id"]) == [
        "created", "delivered", "delivered"]
    assert verbs(shop, "erp.sales.order_line", done["lines"][1]["id"]) == ["created"]
    assert shop.problems() == {"inventory_verify": [], "audit_verify": []}


def test_cancel_refused_after_a_partial_delivery_and_releases_before(conn):
    shop = Shop(conn)
    book = shop.product("BOOK", on_hand=10)

    partly, _delivery = shop.partly_delivered(book)
    before = (shop.get(partly), shop.deliveries(partly), shop.on_hand(book), shop.events())
    assert before[0]["state"] == "confirmed" and before[2] == (9, 3)
    assert sqlstate(conn, "SELECT erp.sales_order_cancel(%s, NULL, 'SYSTEM', 't', %s)",
                    (shop.tenant, partly)) == "ZE009"
    assert (shop.get(partly), shop.deliveries(partly), shop.on_hand(book),
            shop.events()) == before, "the refused cancellation changed nothing"

    early = shop.order((book, 2))
    shop.confirm(early)
    [delivery] = shop.deliveries(early)
    shop.reserve(delivery["id"])
    assert shop.on_hand(book) == (9, 5)
    shop.cancel(early)
    assert shop.get(early)["state"] == "cancelled"
    [cancelled] = shop.deliveries(early)
    assert cancelled["state"] == "cancelled"
    assert [(m["state"], Decimal(m["reserved_qty"])) for m in cancelled["moves"]] == [
        ("cancelled", 0)]
    assert shop.on_hand(book) == (9, 3), "its reservation of 2 is released, the backorder's 3 stay"
    assert verbs(shop, "erp.sales.order", early)[-1] == "cancelled"
    assert shop.problems() == {"inventory_verify": [], "audit_verify": []}


def test_a_cancellation_during_a_validation_is_refused_at_once(conn, dsn):
    """A validation under way holds its picking, then locks the order's lines and the order; a
    cancellation holds the order, then needs the picking. The cancellation does not wait for
    the picking (it would close a cycle, 40P01): it is refused at once (ZE009), writes nothing,
    and the validation then commits."""
    shop = Shop(conn)
    book = shop.product("BOOK", on_hand=10)
    order = shop.order((book, 4))
    shop.confirm(order)
    [delivery] = shop.deliveries(order)
    shop.reserve(delivery["id"])
    with psycopg.connect(dsn, options=GUARD) as validating, \
            psycopg.connect(dsn, options=GUARD) as cancelling:
        # the validation's first step: its picking locked (the rest follows after the refusal)
        validating.execute("SELECT 1 FROM erp.inventory_pickings WHERE tenant_id = %s AND id = %s"
                           " FOR NO KEY UPDATE", (shop.tenant, delivery["id"]))
        started = time.monotonic()
        result = {"state": sqlstate(cancelling, "SELECT erp.sales_order_cancel(%s, NULL, 'SYSTEM',"
                                    " 't', %s)", (shop.tenant, order))}
        assert time.monotonic() - started < 5  # refused, not waiting for the lock timeout
        cancelling.rollback()
        shop.validate(delivery, {delivery["moves"][0]["id"]: 1}, c=validating)
        validating.commit()
    assert result == {"state": "ZE009"}
    assert shop.get(order)["state"] == "confirmed"
    assert [d["state"] for d in shop.deliveries(order)] == ["done", "assigned"]
    assert shop.on_hand(book) == (9, 3)
    assert shop.problems() == {"inventory_verify": [], "audit_verify": []}
