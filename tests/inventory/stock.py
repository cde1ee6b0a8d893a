"""Shared calls of the inventory tests: units, products, pickings through the public
functions (named arguments: the names are the contract), and the database-side invariants
every suite checks (balances equal the ledger, each product sums to zero over all
locations, reserved within on hand in internal locations, reserved equal to the open moves'
reservations)."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

import psycopg
from psycopg.types.json import Jsonb

CTX = {"actor": None, "actor_type": "SYSTEM", "trace": "inventory-test"}
CTX_SQL = ("p_tenant_id => %(t)s, p_actor_user_id => %(actor)s, p_actor_type => %(actor_type)s,"
           " p_trace_id => %(trace)s")
GUARD = "-c statement_timeout=60s -c lock_timeout=30s"  # no test waits forever
INTERNAL = ("internal", "transit")
OPEN_MOVE_STATES = ("confirmed", "partially_available", "assigned")


def _call(c: psycopg.Connection, tenant, sql: str, **params):
    return c.execute(sql.replace("{ctx}", CTX_SQL), {"t": tenant, **CTX, **params})


def setup(c, tenant) -> dict:
    """erp.inventory_setup: {"stock": {…}, "suppliers": …, "customers": …, "inventory": …}"""
    return _call(c, tenant, "SELECT erp.inventory_setup({ctx})").fetchone()[0]


def category(c, tenant, code: str) -> None:
    _call(c, tenant, "SELECT erp.uom_category_create({ctx}, p_code => %(code)s,"
          " p_name => %(code)s)", code=code)


def uom(c, tenant, code: str, cat: str, uom_type: str = "reference", factor=1,
        rounding=Decimal("0.01")) -> uuid.UUID:
    return _call(c, tenant, "SELECT id FROM erp.uom_create({ctx}, p_code => %(code)s,"
                 " p_name => %(code)s, p_category => %(cat)s, p_uom_type => %(ut)s,"
                 " p_factor => %(f)s, p_rounding => %(r)s)",
                 code=code, cat=cat, ut=uom_type, f=Decimal(str(factor)),
                 r=Decimal(str(rounding))).fetchone()[0]


def product(c, tenant, uom_id, sku: str | None = None, product_type: str = "goods") -> uuid.UUID:
    sku = sku or "P-" + uuid.uuid4().hex[:10]
    return _call(c, tenant, "SELECT id FROM erp.product_create({ctx}, p_sku => %(sku)s,"
                 " p_name => %(sku)s, p_uom_id => %(u)s, p_product_type => %(pt)s)",
                 sku=sku, u=uom_id, pt=product_type).fetchone()[0]


def units(c, tenant) -> tuple[uuid.UUID, uuid.UUID]:
    """Units (reference, rounding 1) and Dozens (12 units, rounding 1) of a new category."""
    code = "U" + uuid.uuid4().hex[:6]
    category(c, tenant, code)
    return (uom(c, tenant, code + "-UNIT", code, rounding=1),
            uom(c, tenant, code + "-DOZ", code, "bigger", 12, rounding=1))


def move(product_id, quantity, uom_id=None, **more) -> dict:
    m = {"product_id": str(product_id), "quantity": str(quantity)}
    if uom_id is not None:
        m["uom_id"] = str(uom_id)
    m.update({k: str(v) for k, v in more.items()})
    return m


def create(c, tenant, kind: str, moves: list[dict], **kw) -> dict:
    extra = "".join(f", p_{k} => %({k})s" for k in kw)
    return _call(c, tenant, "SELECT erp.inventory_picking_create({ctx}, p_kind => %(kind)s,"
                 f" p_moves => %(moves)s{extra})", kind=kind, moves=Jsonb(moves),
                 **kw).fetchone()[0]


def confirm(c, tenant, picking_id) -> dict:
    return _call(c, tenant, "SELECT erp.inventory_picking_confirm({ctx},"
                 " p_picking_id => %(p)s)", p=picking_id).fetchone()[0]


def reserve(c, tenant, picking_id, partial: bool = True) -> dict:
    return _call(c, tenant, "SELECT erp.inventory_picking_reserve({ctx}, p_picking_id => %(p)s,"
                 " p_partial => %(partial)s)", p=picking_id, partial=partial).fetchone()[0]


def unreserve(c, tenant, picking_id) -> dict:
    return _call(c, tenant, "SELECT erp.inventory_picking_unreserve({ctx},"
                 " p_picking_id => %(p)s)", p=picking_id).fetchone()[0]


def cancel(c, tenant, picking_id) -> dict:
    return _call(c, tenant, "SELECT erp.inventory_picking_cancel({ctx},"
                 " p_picking_id => %(p)s)", p=picking_id).fetchone()[0]


def validate(c, tenant, picking_id, done: dict | None = None, backorder: bool = True) -> dict:
    """The validated picking (the contract's jsonb; a {"picking": …} wrapper is unwrapped)."""
    done_json = None if done is None else Jsonb({str(k): str(v) for k, v in done.items()})
    out = _call(c, tenant, "SELECT erp.inventory_picking_validate({ctx}, p_picking_id => %(p)s,"
                " p_done => %(done)s, p_backorder => %(b)s)", p=picking_id, done=done_json,
                b=backorder).fetchone()[0]
    return out["picking"] if isinstance(out, dict) and "picking" in out else out


def adjust(c, tenant, location_id, counts: list[tuple]) -> object:
    return _call(c, tenant, "SELECT erp.inventory_adjust({ctx}, p_location_id => %(l)s,"
                 " p_counts => %(counts)s)", l=location_id,
                 counts=Jsonb([{"product_id": str(p), "quantity": str(q)}
                               for p, q in counts])).fetchone()[0]


def receive(c, tenant, product_id, quantity, uom_id=None) -> dict:
    """A receipt of one line, confirmed and validated: the done picking."""
    p = create(c, tenant, "receipt", [move(product_id, quantity, uom_id)])
    confirm(c, tenant, p["id"])
    return validate(c, tenant, p["id"])


def delivery(c, tenant, lines: list[tuple]) -> dict:
    """A confirmed delivery of (product, quantity[, uom]) lines."""
    p = create(c, tenant, "delivery", [move(*line) for line in lines])
    return confirm(c, tenant, p["id"])


def on_hand(c, tenant, product_id, location_id=None, as_of=None) -> tuple:
    """(on_hand, reserved, available) of erp.inventory_on_hand."""
    return c.execute("SELECT on_hand, reserved, available FROM erp.inventory_on_hand("
                     "p_tenant_id => %s, p_product_id => %s, p_location_id => %s,"
                     " p_as_of => %s)", (tenant, product_id, location_id, as_of)).fetchone()


def balance(c, tenant, product_id, location_id) -> tuple[Decimal, Decimal]:
    """(on_hand, reserved) of the balance row, (0, 0) when there is none."""
    row = c.execute("SELECT on_hand, reserved FROM erp.inventory_balances WHERE tenant_id = %s"
                    " AND product_id = %s AND location_id = %s",
                    (tenant, product_id, location_id)).fetchone()
    return row or (Decimal(0), Decimal(0))


def moves_of(c, tenant, picking_id) -> list[dict]:
    return [r[0] for r in c.execute(
        "SELECT to_jsonb(m) FROM erp.inventory_moves AS m WHERE m.tenant_id = %s"
        " AND m.picking_id = %s ORDER BY m.position", (tenant, picking_id))]


def backorder_of(c, tenant, picking_id) -> dict | None:
    row = c.execute("SELECT to_jsonb(p) FROM erp.inventory_pickings AS p WHERE p.tenant_id = %s"
                    " AND p.backorder_of_id = %s", (tenant, picking_id)).fetchone()
    return row[0] if row else None


def events(c, tenant) -> int:
    return c.execute("SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s",
                     (tenant,)).fetchone()[0]


def half_up(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


# ---- invariants, read in the database ----------------------------------------------------------
LEDGER_MISMATCH = """
WITH ledger AS (
    SELECT x.product_id, x.location_id, sum(x.qty) AS qty
    FROM erp.inventory_moves AS m
    CROSS JOIN LATERAL (VALUES (m.product_id, m.to_location_id, m.product_qty),
                               (m.product_id, m.from_location_id, -m.product_qty))
        AS x (product_id, location_id, qty)
    WHERE m.tenant_id = %(t)s AND m.state = 'done'
    GROUP BY 1, 2
)
SELECT coalesce(b.product_id, l.product_id), coalesce(b.location_id, l.location_id),
    b.on_hand, l.qty
FROM (SELECT * FROM erp.inventory_balances WHERE tenant_id = %(t)s) AS b
FULL JOIN ledger AS l ON l.product_id = b.product_id AND l.location_id = b.location_id
WHERE coalesce(b.on_hand, 0) <> coalesce(l.qty, 0)
"""
NONZERO_PRODUCTS = """
SELECT product_id, sum(on_hand) FROM erp.inventory_balances WHERE tenant_id = %(t)s
GROUP BY product_id HAVING sum(on_hand) <> 0
"""
INTERNAL_BREACHES = """
SELECT b.product_id, l.code, b.on_hand, b.reserved
FROM erp.inventory_balances AS b
JOIN erp.inventory_locations AS l ON l.tenant_id = b.tenant_id AND l.id = b.location_id
JOIN erp.erp_products AS p ON p.tenant_id = b.tenant_id AND p.id = b.product_id
WHERE b.tenant_id = %(t)s AND l.usage IN ('internal', 'transit')
    AND (b.reserved < 0 OR b.reserved > b.on_hand
         OR (b.on_hand < 0 AND p.product_type <> 'consumable'))
"""
RESERVED_MISMATCH = """
WITH open AS (
    SELECT m.product_id, m.from_location_id AS location_id, sum(m.reserved_qty) AS reserved
    FROM erp.inventory_moves AS m
    WHERE m.tenant_id = %(t)s AND m.state IN ('confirmed', 'partially_available', 'assigned')
    GROUP BY 1, 2
)
SELECT coalesce(b.product_id, o.product_id), coalesce(b.location_id, o.location_id),
    b.reserved, o.reserved
FROM (SELECT * FROM erp.inventory_balances WHERE tenant_id = %(t)s) AS b
FULL JOIN open AS o ON o.product_id = b.product_id AND o.location_id = b.location_id
WHERE coalesce(b.reserved, 0) <> coalesce(o.reserved, 0)
"""
MOVE_BREACHES = """
SELECT m.id, m.state, m.product_qty, m.reserved_qty FROM erp.inventory_moves AS m
WHERE m.tenant_id = %(t)s AND (m.reserved_qty < 0 OR m.reserved_qty > m.product_qty
    OR (m.state IN ('done', 'cancelled', 'draft') AND m.reserved_qty <> 0)
    OR (m.state = 'assigned' AND m.reserved_qty <> m.product_qty)
    OR (m.state = 'partially_available' AND NOT (m.reserved_qty > 0
                                                 AND m.reserved_qty < m.product_qty))
    OR (m.state = 'confirmed' AND m.reserved_qty <> 0))
"""


def problems(c, tenant, audit: bool = True) -> dict[str, list]:
    """Every invariant breach found in the database (none: an empty dict), including what
    erp.inventory_verify reports, and erp.audit_verify unless ``audit`` is False."""
    p = {"t": tenant}
    found = {
        "balance != ledger": c.execute(LEDGER_MISMATCH, p).fetchall(),
        "product not summing to zero": c.execute(NONZERO_PRODUCTS, p).fetchall(),
        "internal: negative or reserved above on hand": c.execute(INTERNAL_BREACHES, p).fetchall(),
        "reserved != open moves' reservations": c.execute(RESERVED_MISMATCH, p).fetchall(),
        "move reservation vs state": c.execute(MOVE_BREACHES, p).fetchall(),
        "inventory_verify": c.execute("SELECT * FROM erp.inventory_verify(%s)",
                                      (tenant,)).fetchall(),
    }
    if audit:
        found["audit_verify"] = c.execute("SELECT * FROM erp.audit_verify(%s)",
                                          (tenant,)).fetchall()
    return {k: v for k, v in found.items() if v}
