"""A flash sale: 200 one-unit orders for one product with 100 on hand, worked by many
connections at once (a barrier starts them together), each order in three transactions as an
application makes them: confirm (the bridge makes its delivery; about one in ten is rolled
back), reserve without partial, validate. Exactly the on-hand quantity is delivered; every
other confirmed order gets ZE010 on its reservation and keeps an unreserved delivery; no
deadlock (40P01) and no other error; a rolled-back confirmation leaves no delivery and no
number; order numbers and OUT numbers are gapless; inventory_verify and audit_verify clean."""

from __future__ import annotations

import queue
import random
import threading
from collections import Counter

import psycopg

from tests.sales_inventory.shop import Shop, serial

ORDERS = 200
ON_HAND = 100
GUARD = "-c statement_timeout=60s -c lock_timeout=30s"  # no test waits forever


def work(dsn: str, shop: Shop, todo: queue.Queue, barrier: threading.Barrier,
         outcome: dict[str, str], seed: int) -> None:
    rnd = random.Random(seed)
    with psycopg.connect(dsn, options=GUARD) as c:
        barrier.wait(timeout=60)
        while True:
            try:
                order = todo.get_nowait()
            except queue.Empty:
                return
            try:
                shop.confirm(order, c=c)
                if rnd.random() < 0.1:
                    c.rollback()
                    outcome[order] = "rolled back"
                    continue
                c.commit()
                [delivery] = shop.deliveries(order, c=c)
                shop.reserve(delivery["id"], partial=False, c=c)
                c.commit()
                shop.validate(delivery, c=c)
                c.commit()
                outcome[order] = "delivered"
            except psycopg.Error as exc:
                c.rollback()
                outcome[order] = exc.sqlstate or repr(exc)


def test_flash_sale_delivers_exactly_what_is_on_hand(conn, dsn, connections):
    shop = Shop(conn, "Flash")
    item = shop.product("FLASH", on_hand=ON_HAND)
    orders = [shop.order((item, 1)) for _ in range(ORDERS)]
    workers = connections(16, 4)
    todo: queue.Queue = queue.Queue()
    for order in orders:
        todo.put(order)
    outcome: dict[str, str] = {}
    barrier = threading.Barrier(workers)
    threads = [threading.Thread(target=work, args=(dsn, shop, todo, barrier, outcome, i))
               for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)

    counts = Counter(outcome.values())
    rolled_back = counts["rolled back"]
    assert counts["delivered"] == ON_HAND, counts
    assert counts["ZE010"] == ORDERS - ON_HAND - rolled_back, counts
    assert set(counts) <= {"delivered", "ZE010", "rolled back"}, f"no 40P01, no other: {counts}"

    states = dict(conn.execute(
        "SELECT o.id::text, o.state FROM erp.sales_orders AS o WHERE o.tenant_id = %s",
        (shop.tenant,)).fetchall())
    for order, result in outcome.items():
        expected = {"delivered": "done", "ZE010": "confirmed", "rolled back": "draft"}[result]
        assert states[order] == expected, (order, result)
        deliveries = shop.deliveries(order)
        if result == "rolled back":
            assert deliveries == [] and shop.get(order)["number"] is None
        elif result == "ZE010":
            [d] = deliveries
            assert d["state"] == "confirmed" and d["moves"][0]["reserved_qty"] == 0
    assert shop.on_hand(item) == (0, 0)

    sold = conn.execute(
        "SELECT sum(l.qty_delivered) FROM erp.sales_order_lines AS l WHERE l.tenant_id = %s",
        (shop.tenant,)).fetchone()[0]
    assert sold == ON_HAND
    so = sorted(serial(shop.get(o)["number"]) for o, r in outcome.items() if r != "rolled back")
    assert so == list(range(1, ORDERS - rolled_back + 1)), "order numbers gapless"
    out = sorted(serial(n) for (n,) in conn.execute(
        "SELECT p.number FROM erp.inventory_pickings AS p"
        " WHERE p.tenant_id = %s AND p.state = 'done'",
        (shop.tenant,)))
    assert out == list(range(1, ON_HAND + 1)), "OUT numbers gapless"
    assert shop.problems() == {"inventory_verify": [], "audit_verify": []}
