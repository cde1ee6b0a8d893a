"""The flash sale: many one-unit orders for one product with half as many on hand, worked by
many clients at once, each order as an application works it: confirm (the bridge makes the
delivery), reserve without partial (ZE010 once the stock is gone), validate, each its own
transaction. Reports orders/s over the whole sale, the per-order latency (p50/p99 of the three
transactions together, lost orders included), how many were delivered (must be exactly what
was on hand), how many got ZE010, and any other error (a deadlock would show here).

Needs the modules sales, inventory and sales_inventory; skipped when one is missing. The
orders are created before the clock starts; the tenant is a new one, so other cases'
rows do not share its balance, counters or numbers."""

from __future__ import annotations

import queue
import statistics
import threading
import time
import uuid
from collections import Counter

import psycopg
from psycopg.types.json import Jsonb
from rich.console import Console

CTX = (None, "SYSTEM", "bench-flash")
FULL = {"orders": 2_000, "on_hand": 1_000, "clients": 64}
QUICK = {"orders": 200, "on_hand": 100, "clients": 16}


def _setup(conn: psycopg.Connection, orders: int, on_hand: int) -> tuple[uuid.UUID, list[str]]:
    """A new tenant with one product, ``on_hand`` of it in stock and ``orders`` draft orders of
    one unit each; returns the tenant and the order ids."""
    tenant = uuid.uuid4()
    q = conn.execute
    q("SELECT erp.tenant_create(%s, NULL, 'SYSTEM', 'bench-flash', 'Flash sale', 'UTC')",
      (tenant,))
    q("SELECT erp.uom_category_create(%s, %s, %s, %s, 'UNIT', 'Units')", (tenant, *CTX))
    unit = q("SELECT id FROM erp.uom_create(%s, %s, %s, %s, 'PC', 'Piece', 'UNIT', "
             "p_rounding => 1)", (tenant, *CTX)).fetchone()[0]
    customer = q("SELECT id FROM erp.partner_create(%s, %s, %s, %s, 'CROWD', 'The crowd')",
                 (tenant, *CTX)).fetchone()[0]
    product = q("SELECT id FROM erp.product_create(%s, %s, %s, %s, 'DEAL', 'Deal of the day', "
                "%s, 'goods', 10)", (tenant, *CTX, unit)).fetchone()[0]
    stock = q("SELECT erp.inventory_setup(%s, %s, %s, %s)", (tenant, *CTX)).fetchone()[0]
    q("SELECT erp.inventory_adjust(%s, %s, %s, %s, %s, %s)",
      (tenant, *CTX, stock["stock"]["id"],
       Jsonb([{"product_id": str(product), "quantity": on_hand}])))
    lines = Jsonb([{"product_id": str(product), "quantity": 1, "price_unit": 10}])
    ids = [q("SELECT erp.sales_order_create(%s, %s, %s, %s, %s, p_currency => 'EUR', "
             "p_lines => %s) ->> 'id'", (tenant, *CTX, customer, lines)).fetchone()[0]
           for _ in range(orders)]
    return tenant, ids


def _one_order(c: psycopg.Connection, tenant: uuid.UUID, order: str) -> str:
    """Confirm, reserve (not partial) and validate one order; returns 'delivered' or the
    SQLSTATE that stopped it."""
    try:
        c.execute("SELECT erp.sales_order_confirm(%s, %s, %s, %s, %s)", (tenant, *CTX, order))
        c.commit()
        picking = c.execute(
            "SELECT p.id FROM erp.inventory_pickings AS p WHERE p.tenant_id = %s "
            "AND p.origin_type = 'erp.sales.order' AND p.origin_id = %s", (tenant, order)
        ).fetchone()[0]
        c.execute("SELECT erp.inventory_picking_reserve(%s, %s, %s, %s, %s, false)",
                  (tenant, *CTX, picking))
        c.commit()
        c.execute("SELECT erp.inventory_picking_validate(%s, %s, %s, %s, %s)",
                  (tenant, *CTX, picking))
        c.commit()
        return "delivered"
    except psycopg.Error as exc:
        c.rollback()
        return exc.sqlstate or type(exc).__name__


def run(console: Console, url: str, quick: bool = False) -> dict:
    size = QUICK if quick else FULL
    with psycopg.connect(url, autocommit=True) as conn:
        hook = "erp._sales_inventory_on_order_confirm(uuid,jsonb)"
        if conn.execute("SELECT to_regprocedure(%s)", (hook,)).fetchone()[0] is None:
            console.print("[yellow]flash sale skipped: module sales_inventory not installed[/]")
            return {"skipped": "module sales_inventory not installed"}
        with console.status(f"flash sale: {size['orders']:,} draft orders, "
                            f"{size['on_hand']:,} on hand"):
            tenant, orders = _setup(conn, size["orders"], size["on_hand"])
    todo: queue.Queue = queue.Queue()
    for order in orders:
        todo.put(order)
    outcomes: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(size["clients"] + 1)

    def client() -> None:
        with psycopg.connect(url) as c:
            barrier.wait()
            while True:
                try:
                    order = todo.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                result = _one_order(c, tenant, order)
                with lock:
                    latencies.append(time.perf_counter() - t0)
                    outcomes[result] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(size["clients"])]
    for t in threads:
        t.start()
    with console.status(f"flash sale: {size['clients']} clients"):
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        delivered = conn.execute(
            "SELECT coalesce(sum(l.qty_delivered), 0)::bigint FROM erp.sales_order_lines AS l "
            "WHERE l.tenant_id = %s", (tenant,)).fetchone()[0]
        problems = sum(len(conn.execute(f"SELECT * FROM erp.{f}(%s)", (tenant,)).fetchall())
                       for f in ("inventory_verify", "audit_verify"))
    ordered = sorted(latencies)
    out = {
        **size, "seconds": round(seconds, 2), "orders_per_s": round(len(orders) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[max(0, -(-99 * len(ordered) // 100) - 1)] * 1000, 1),
        "outcomes": dict(outcomes), "delivered": delivered,
        "exactly_on_hand_delivered": delivered == size["on_hand"] == outcomes["delivered"],
        "verify_problems": problems,
    }
    console.print(f"[bold]flash sale[/]: {out['orders']:,} orders, {out['on_hand']:,} on hand, "
                  f"{out['clients']} clients: {out['orders_per_s']} orders/s, p50 "
                  f"{out['p50_ms']} ms, p99 {out['p99_ms']} ms per order; delivered "
                  f"{delivered:,} (exactly on hand: {out['exactly_on_hand_delivered']}); "
                  f"outcomes {dict(outcomes)}; verify problems {problems}")
    return out
