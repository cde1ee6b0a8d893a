"""A flash sale: 200 one-unit orders for one product with 100 on hand, worked by many
connections at once (a barrier starts them together), each order in three transactions as an
application makes them: confirm (the bridge makes its delivery; about one in ten is rolled
back), reserve without partial, validate. Meanwhile a killer terminates a few of the workers'
backends mid-order (pg_terminate_backend); the worker reconnects and goes on. Afterwards the
warehouse validates what was reserved and left (a validation killed). Then, read from the
database: exactly the on-hand quantity is delivered, by exactly that many done orders; every
order that got ZE010 is confirmed with an unreserved delivery; a confirmation rolled back or
killed left no delivery and no number; no deadlock (40P01) and no other error; order numbers
and OUT numbers gapless; inventory_verify and audit_verify clean."""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter

import psycopg

from tests.sales_inventory.shop import Shop, serial

ORDERS = 200
ON_HAND = 100
KILLS = 6
GUARD = "-c statement_timeout=60s -c lock_timeout=30s"  # no test waits forever


class Sale:
    def __init__(self, dsn: str, shop: Shop, orders: list[str], workers: int) -> None:
        self.dsn, self.shop = dsn, shop
        self.todo: queue.Queue = queue.Queue()
        for order in orders:
            self.todo.put(order)
        self.outcome: dict[str, str] = {}
        self.pids: dict[int, int] = {}  # worker -> its backend's pid
        self.barrier = threading.Barrier(workers + 1)  # the workers and the killer
        self.kills = 0

    def connect(self, worker: int) -> psycopg.Connection:
        c = psycopg.connect(self.dsn, options=GUARD)
        self.pids[worker] = c.info.backend_pid
        return c

    def one_order(self, c: psycopg.Connection, order: str, rnd: random.Random) -> str:
        self.shop.confirm(order, c=c)
        if rnd.random() < 0.1:
            c.rollback()
            return "rolled back"
        c.commit()
        [delivery] = self.shop.deliveries(order, c=c)
        self.shop.reserve(delivery["id"], partial=False, c=c)
        c.commit()
        self.shop.validate(delivery, c=c)
        c.commit()
        return "delivered"

    def work(self, worker: int) -> None:
        rnd = random.Random(worker)
        c = self.connect(worker)
        self.barrier.wait(timeout=60)
        try:
            while True:
                try:
                    order = self.todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    self.outcome[order] = self.one_order(c, order, rnd)
                except psycopg.Error as exc:
                    if c.broken or c.closed:  # its backend was terminated: a new connection
                        self.outcome[order] = "killed"
                        c = self.connect(worker)
                    else:
                        c.rollback()
                        self.outcome[order] = exc.sqlstate or repr(exc)
        finally:
            c.close()

    def kill(self) -> None:
        rnd = random.Random(99)
        with psycopg.connect(self.dsn, autocommit=True) as admin:
            self.barrier.wait(timeout=60)
            while self.kills < KILLS and not self.todo.empty():
                time.sleep(rnd.uniform(0.02, 0.1))
                pid = rnd.choice(list(self.pids.values()))
                if admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]:
                    self.kills += 1


def test_flash_sale_delivers_exactly_what_is_on_hand(conn, dsn, connections):
    shop = Shop(conn, "Flash")
    item = shop.product("FLASH", on_hand=ON_HAND)
    orders = [shop.order((item, 1)) for _ in range(ORDERS)]
    workers = connections(16, 4, extra=1)
    sale = Sale(dsn, shop, orders, workers)
    threads = [threading.Thread(target=sale.work, args=(i,)) for i in range(workers)]
    threads.append(threading.Thread(target=sale.kill))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    counts = Counter(sale.outcome.values())
    assert len(sale.outcome) == ORDERS
    assert set(counts) <= {"delivered", "ZE010", "rolled back", "killed"}, (
        f"no 40P01, no other error: {counts}")
    assert counts["ZE010"] > 0 and sale.kills > 0, counts

    # the warehouse validates what was reserved and not validated (a validation killed)
    for (picking,) in conn.execute("SELECT p.id FROM erp.inventory_pickings AS p"
                                   " WHERE p.tenant_id = %s AND p.state = 'assigned'",
                                   (shop.tenant,)).fetchall():
        shop.validate({"id": picking})

    states = dict(conn.execute(
        "SELECT o.id::text, o.state FROM erp.sales_orders AS o WHERE o.tenant_id = %s",
        (shop.tenant,)).fetchall())
    assert Counter(states.values())["done"] == ON_HAND
    for order, result in sale.outcome.items():
        deliveries = shop.deliveries(order)
        if states[order] == "draft":  # rolled back, or killed before its confirmation committed
            assert result in ("rolled back", "killed") and deliveries == []
            assert shop.get(order)["number"] is None
        elif states[order] == "confirmed":  # it found no stock (or was killed reserving)
            assert result in ("ZE010", "killed")
            [d] = deliveries
            assert d["state"] == "confirmed" and d["moves"][0]["reserved_qty"] == 0
        else:
            assert states[order] == "done" and result in ("delivered", "killed")
            assert [d["state"] for d in deliveries] == ["done"]
    assert shop.on_hand(item) == (0, 0)
    sold = conn.execute(
        "SELECT sum(l.qty_delivered) FROM erp.sales_order_lines AS l WHERE l.tenant_id = %s",
        (shop.tenant,)).fetchone()[0]
    assert sold == ON_HAND

    confirmed = [o for o, s in states.items() if s != "draft"]
    so = sorted(serial(shop.get(o)["number"]) for o in confirmed)
    assert so == list(range(1, len(confirmed) + 1)), "order numbers gapless"
    out = sorted(serial(n) for (n,) in conn.execute(
        "SELECT p.number FROM erp.inventory_pickings AS p"
        " WHERE p.tenant_id = %s AND p.state = 'done'", (shop.tenant,)))
    assert out == list(range(1, ON_HAND + 1)), "OUT numbers gapless"
    assert shop.problems() == {"inventory_verify": [], "audit_verify": []}
