"""A small shop for the bridge's tests: one tenant with units, a customer, products, the
default locations and stock, and the calls of an order's life (create, confirm, reserve,
validate, cancel) as an application makes them, one transaction per call."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import psycopg
from psycopg.types.json import Jsonb

from tests.conftest import new_tenant

CTX = (None, "SYSTEM", "bridge-test")


class Shop:
    def __init__(self, conn: psycopg.Connection, name: str = "Shop") -> None:
        self.conn = conn
        self.tenant = new_tenant(conn, name)
        q = conn.execute
        q("SELECT erp.uom_category_create(%s, %s, %s, %s, 'UNIT', 'Units')", (self.tenant, *CTX))
        self.pc = q("SELECT id FROM erp.uom_create(%s, %s, %s, %s, 'PC', 'Piece', 'UNIT',"
                    " p_rounding => 1)", (self.tenant, *CTX)).fetchone()[0]
        self.customer = q("SELECT id FROM erp.partner_create(%s, %s, %s, %s, 'C1', 'Customer')",
                          (self.tenant, *CTX)).fetchone()[0]
        self.locations = q("SELECT erp.inventory_setup(%s, %s, %s, %s)",
                           (self.tenant, *CTX)).fetchone()[0]

    def product(self, sku: str, kind: str = "goods", on_hand: int = 0) -> uuid.UUID:
        product = self.conn.execute(
            "SELECT id FROM erp.product_create(%s, %s, %s, %s, %s, %s, %s, %s, 10)",
            (self.tenant, *CTX, sku, sku, self.pc, kind)).fetchone()[0]
        if on_hand:
            self.conn.execute(
                "SELECT erp.inventory_adjust(%s, %s, %s, %s, %s, %s)",
                (self.tenant, *CTX, self.locations["stock"]["id"],
                 Jsonb([{"product_id": str(product), "quantity": on_hand}])))
        return product

    def order(self, *lines: tuple[uuid.UUID, int], c: psycopg.Connection | None = None) -> str:
        """A draft order of the customer: lines (product, quantity in pieces)."""
        return (c or self.conn).execute(
            "SELECT erp.sales_order_create(%s, %s, %s, %s, %s, p_currency => 'EUR', p_lines => %s)"
            " ->> 'id'", (self.tenant, *CTX, self.customer,
                          Jsonb([{"product_id": str(p), "quantity": q, "price_unit": 10}
                                 for p, q in lines]))).fetchone()[0]

    def confirm(self, order: str, c: psycopg.Connection | None = None) -> None:
        (c or self.conn).execute("SELECT erp.sales_order_confirm(%s, %s, %s, %s, %s)",
                                 (self.tenant, *CTX, order))

    def partly_delivered(self, product: uuid.UUID, quantity: int = 4,
                         delivered: int = 1) -> tuple[str, dict]:
        """An order of ``quantity`` pieces, confirmed, its delivery reserved and validated for
        ``delivered`` of them (a backorder keeps the rest): the order and that delivery."""
        order = self.order((product, quantity))
        self.confirm(order)
        [delivery] = self.deliveries(order)
        self.reserve(delivery["id"])
        self.validate(delivery, {delivery["moves"][0]["id"]: delivered})
        return order, delivery

    def cancel(self, order: str, c: psycopg.Connection | None = None) -> None:
        (c or self.conn).execute("SELECT erp.sales_order_cancel(%s, %s, %s, %s, %s)",
                                 (self.tenant, *CTX, order))

    def get(self, order: str) -> dict:
        return self.conn.execute("SELECT erp.sales_order_get(%s, %s)",
                                 (self.tenant, order)).fetchone()[0]

    def deliveries(self, order: str, c: psycopg.Connection | None = None) -> list[dict]:
        """The order's delivery pickings, oldest first (the bridge's, then backorders)."""
        return [r[0] for r in (c or self.conn).execute(
            "SELECT erp.inventory_picking_get(p.tenant_id, p.id) FROM erp.inventory_pickings AS p"
            " WHERE p.tenant_id = %s AND p.origin_type = 'erp.sales.order' AND p.origin_id = %s"
            " ORDER BY p.created_at, p.id", (self.tenant, order))]

    def reserve(self, picking: str, partial: bool = True,
                c: psycopg.Connection | None = None) -> dict:
        return (c or self.conn).execute(
            "SELECT erp.inventory_picking_reserve(%s, %s, %s, %s, %s, %s)",
            (self.tenant, *CTX, picking, partial)).fetchone()[0]

    def validate(self, picking: dict, done: dict[str, int] | None = None,
                 c: psycopg.Connection | None = None) -> dict:
        """Validates a picking; ``done``: {move id: quantity} (None: every move whole)."""
        return (c or self.conn).execute(
            "SELECT erp.inventory_picking_validate(%s, %s, %s, %s, %s, %s)",
            (self.tenant, *CTX, picking["id"], None if done is None else Jsonb(done))
        ).fetchone()[0]

    def on_hand(self, product: uuid.UUID) -> tuple[Decimal, Decimal]:
        return tuple(self.conn.execute(
            "SELECT on_hand, reserved FROM erp.inventory_on_hand(%s, %s)",
            (self.tenant, product)).fetchone())

    def events(self) -> int:
        return self.conn.execute("SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s",
                                 (self.tenant,)).fetchone()[0]

    def problems(self) -> dict[str, list]:
        """What inventory_verify and audit_verify find (both empty when clean)."""
        return {f: self.conn.execute(f"SELECT * FROM erp.{f}(%s)", (self.tenant,)).fetchall()
                for f in ("inventory_verify", "audit_verify")}


def serial(number: str | None) -> int | None:
    """The counter in a formatted document number ('OUT/2026/00042' -> 42)."""
    match = re.search(r"(\d+)\D*$", number or "")
    return int(match.group(1)) if match else None
