"""The inventory module's cases (DESIGN "Performance": module targets are bound-relative).

* Reservations of one hot product: ``erp.inventory_picking_reserve`` (all or nothing, one
  unit) then ``erp.inventory_picking_unreserve`` of the same picking, two transactions, at 16
  and 64 clients; each client cycles through pickings of its own (``:client_id``), so no two
  clients ever ask for the same picking. Against the physical bound, a bare conditional
  ``UPDATE … SET reserved = reserved + 1 WHERE on_hand - reserved >= 1`` on a clone of the
  balance row (and its release), and the one-statement bound of DESIGN: the conditional
  balance update, the move's update and its event in one CTE (and the same to release).
* Delivery validation of a 10-line picking: create, confirm and validate in one transaction
  (the number allocated at commit) at 1 and 16 clients, against a hand-written peer that
  does the same stock work: a picking and its 10 done moves inserted into clones with an
  AFTER INSERT audit trigger, the 20 balance rows updated in (product, location) order, the
  source conditionally, and a raw counter UPDATE for the number just before the commit.

The setup (:func:`setup`) runs only when the inventory module is installed; the cases name
the functions they need and are skipped otherwise."""

from __future__ import annotations

import json
import random

import psycopg

from harness.benchlib.schema import ACTOR, CTX, _clone_table, did, has_function

PER_CLIENT = 20  # pickings per client for the reservation cases
MAX_CLIENTS = 100
LINES = 10
GROUP = "inventory"
TITLE = "Inventory: hot-product reservations and 10-line delivery validations (ops/s)"
PEER_SEQ = "00000000-0000-4000-e000-000000000002"  # the peer's number counter

POOL = f"\\set k :client_id * {PER_CLIENT} + random(1, {PER_CLIENT})\n"
HOT_ROW = "tenant_id = :tenant AND product_id = :inv_hot AND location_id = :inv_stock"
PICKING = "(SELECT p.picking_id FROM bench.inv_pool AS p WHERE p.n = :k)"


def _reserve_cte(sign: str, guard: str, state: str) -> str:
    """The one-statement bound: balance update, move update and its event in one CTE."""
    return f"""WITH b AS (
    UPDATE bench.inv_balances SET reserved = reserved {sign} 1
    WHERE {HOT_ROW} AND {guard}
    RETURNING 1
), m AS (
    UPDATE bench.inv_moves AS m SET reserved_qty = m.reserved_qty {sign} 1, state = '{state}',
        version = m.version + 1, updated_at = now()
    FROM b, bench.inv_pool AS p
    WHERE p.n = :k AND m.tenant_id = :tenant AND m.id = p.move_id
    RETURNING m.*
), ev AS (
    INSERT INTO bench.audit_events (tenant_id, id, actor_user_id, actor_type, entity_type,
        entity_id, event_type, trace_id, payload, entity_version)
    SELECT m.tenant_id, erp.uuid_v7(), :actor, 'USER', 'erp.inventory.move', m.id,
        'erp.inventory.move.updated', 'bench', to_jsonb(m), m.version
    FROM m
)
SELECT count(*) FROM m;
"""


def _call(fn: str, more: str = "") -> str:
    return (f"SELECT erp.{fn}(p_tenant_id => :tenant, {CTX},\n"
            f"    p_picking_id => {PICKING}{more});\n")


RES = {"clients": (16, 64), "unit": "reservations"}
DELIVER = f"""BEGIN;
SELECT (erp.inventory_picking_create(p_tenant_id => :tenant, {CTX},
    p_kind => 'delivery', p_moves => (SELECT l.moves FROM bench.inv_lines AS l)) ->> 'id')
    AS picking_id \\gset
SELECT erp.inventory_picking_confirm(p_tenant_id => :tenant, {CTX},
    p_picking_id => :picking_id::uuid);
SELECT erp.inventory_picking_validate(p_tenant_id => :tenant, {CTX},
    p_picking_id => :picking_id::uuid);
COMMIT;
"""
# Case keyword arguments (cases.py makes them Cases, so this module does not import it)
INVENTORY = [
    {"key": "i.raw_reserve", "group": GROUP,
     "label": "raw conditional UPDATE of the hot balance row (+ release)",
     "script": f"UPDATE bench.inv_balances SET reserved = reserved + 1\n"
               f"WHERE {HOT_ROW} AND on_hand - reserved >= 1;\n"
               f"UPDATE bench.inv_balances SET reserved = reserved - 1\n"
               f"WHERE {HOT_ROW} AND reserved >= 1;\n", "raw": True, **RES},
    {"key": "i.cte_reserve", "group": GROUP,
     "label": "raw CTE: balance + move + event (+ the same to release)",
     "script": POOL + _reserve_cte("+", "on_hand - reserved >= 1", "assigned")
     + _reserve_cte("-", "reserved >= 1", "confirmed"), "baseline": "i.raw_reserve",
     "raw": True, **RES},
    {"key": "i.reserve", "group": GROUP,
     "label": "erp.inventory_picking_reserve (+ _unreserve), one hot product",
     "script": POOL + _call("inventory_picking_reserve", ", p_partial => false")
     + _call("inventory_picking_unreserve"), "baseline": "i.raw_reserve",
     "requires": ("inventory_picking_reserve", "inventory_picking_unreserve"), **RES},
    {"key": "i.peer_deliver", "group": GROUP,
     "label": "hand-written peer: 10-line delivery, trigger audit",
     "script": "SELECT bench.inv_deliver_peer(:tenant, :inv_stock, :inv_customers);\n",
     "clients": (1, 16), "unit": "deliveries", "raw": True},
    {"key": "i.deliver", "group": GROUP,
     "label": "erp.inventory_picking_create + _confirm + _validate, 10 lines",
     "script": DELIVER, "clients": (1, 16), "baseline": "i.peer_deliver", "unit": "deliveries",
     "requires": ("inventory_picking_create", "inventory_picking_validate")},
]

PEER_SQL = """
CREATE TRIGGER audit AFTER INSERT ON bench.inv_pickings_trg
FOR EACH ROW EXECUTE FUNCTION bench.audit_trigger('erp.inventory.picking');
CREATE TRIGGER audit AFTER INSERT ON bench.inv_moves_trg
FOR EACH ROW EXECUTE FUNCTION bench.audit_trigger('erp.inventory.move');
-- The hand-written peer of a delivery validation: the picking and its done moves (audited
-- by trigger), the balances of the lines' products at both ends locked and updated in
-- (product, location) order, the source only while it has enough, and the number from a
-- raw counter just before the commit.
CREATE FUNCTION bench.inv_deliver_peer(p_tenant uuid, p_from uuid, p_to uuid)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v_picking uuid := erp.uuid_v7();
    v_line record;
    v_number text;
BEGIN
    INSERT INTO bench.inv_pickings_trg (tenant_id, id, kind, from_location_id, to_location_id,
        state, done_at)
    VALUES (p_tenant, v_picking, 'delivery', p_from, p_to, 'done', now());
    INSERT INTO bench.inv_moves_trg (tenant_id, id, picking_id, position, product_id, quantity,
        uom_id, product_qty, reserved_qty, from_location_id, to_location_id, state, done_at)
    SELECT p_tenant, erp.uuid_v7(), v_picking, l.position, l.product_id, l.quantity, l.uom_id,
        l.quantity, 0, p_from, p_to, 'done', now()
    FROM bench.inv_line_rows AS l ORDER BY l.position;
    FOR v_line IN
        SELECT b.product_id, b.location_id, CASE WHEN b.location_id = p_from THEN -1 ELSE 1 END
            * l.quantity AS delta
        FROM bench.inv_line_rows AS l
        JOIN bench.inv_balances AS b ON b.tenant_id = p_tenant AND b.product_id = l.product_id
            AND b.location_id IN (p_from, p_to)
        ORDER BY b.product_id, b.location_id
    LOOP
        UPDATE bench.inv_balances AS b SET on_hand = b.on_hand + v_line.delta
        WHERE b.tenant_id = p_tenant AND b.product_id = v_line.product_id
            AND b.location_id = v_line.location_id
            AND (v_line.delta > 0 OR b.on_hand - b.reserved >= -v_line.delta);
        IF NOT FOUND THEN
            RAISE EXCEPTION 'insufficient stock' USING ERRCODE = 'ZE010';
        END IF;
    END LOOP;
    UPDATE bench.counters SET next_value = next_value + 1
    WHERE tenant_id = p_tenant AND sequence_id = '""" + PEER_SEQ + """' AND period_key = 'all'
    RETURNING 'OUT/' || (next_value - 1) INTO v_number;
    UPDATE bench.inv_pickings_trg SET number = v_number
    WHERE tenant_id = p_tenant AND id = v_picking;
    RETURN v_number;
END
$fn$;
"""


def _ctx(tenant: str) -> dict:
    return {"t": tenant, "a": ACTOR}


CTX_SQL = "p_tenant_id => %(t)s, p_actor_user_id => %(a)s, p_actor_type => 'USER', " \
          "p_trace_id => 'bench-setup'"


def setup(conn: psycopg.Connection, log) -> dict:
    """Stock, products, the reservation pool, the clones and the peer; the defines."""
    if not has_function(conn, "inventory_setup"):
        return {}
    t1, uom = did("tenant", 1), did("uom", 1)
    p = _ctx(t1)
    locs = conn.execute(f"SELECT erp.inventory_setup({CTX_SQL})", p).fetchone()[0]
    stock_id, customers = locs["stock"]["id"], locs["customers"]["id"]
    log(f"inventory: a hot product and {LINES} line products with 1e9 units on hand, "
        f"{MAX_CLIENTS * PER_CLIENT} confirmed one-unit deliveries of the hot product")
    products = [conn.execute(
        f"SELECT id FROM erp.product_create({CTX_SQL}, p_sku => %(s)s, p_name => %(s)s,"
        " p_uom_id => %(u)s)", {**p, "s": f"INV-{n}", "u": uom}).fetchone()[0]
        for n in range(LINES + 1)]
    hot, lines = products[0], products[1:]
    conn.execute(f"SELECT erp.inventory_adjust({CTX_SQL}, p_location_id => %(l)s,"
                 " p_counts => %(c)s::jsonb)",
                 {**p, "l": stock_id, "c": json.dumps(
                     [{"product_id": str(x), "quantity": 1_000_000_000} for x in products])})
    conn.execute("CREATE TABLE bench.inv_pool (n integer PRIMARY KEY, picking_id uuid NOT NULL,"
                 " move_id uuid NOT NULL)")
    one = json.dumps([{"product_id": str(hot), "quantity": 1}])
    conn.execute(f"""
        WITH made AS (
            SELECT g.n, erp.inventory_picking_create({CTX_SQL}, p_kind => 'delivery',
                p_moves => %(m)s::jsonb) AS pk
            FROM generate_series(1, %(n)s) AS g (n)
        )
        INSERT INTO bench.inv_pool (n, picking_id, move_id)
        SELECT made.n, (made.pk ->> 'id')::uuid, (made.pk -> 'moves' -> 0 ->> 'id')::uuid
        FROM made""", {**p, "m": one, "n": MAX_CLIENTS * PER_CLIENT + PER_CLIENT})
    conn.execute(f"SELECT erp.inventory_picking_confirm({CTX_SQL}, p_picking_id => x.picking_id)"
                 " FROM bench.inv_pool AS x ORDER BY x.n", p)
    order = list(range(1, LINES + 1))
    random.Random(7).shuffle(order)  # the lines in an order that is not the lock order
    conn.execute("CREATE TABLE bench.inv_line_rows AS SELECT position, product_id::uuid,"
                 " 1::numeric AS quantity, %s::uuid AS uom_id FROM unnest(%s::text[])"
                 " WITH ORDINALITY AS u (product_id, position)",
                 (uom, [str(lines[i - 1]) for i in order]))
    conn.execute("CREATE TABLE bench.inv_lines AS SELECT %s::jsonb AS moves",
                 (json.dumps([{"product_id": str(lines[i - 1]), "quantity": 1} for i in order]),))

    log("inventory: clones of the balances and moves (the bounds), of the pickings and moves "
        "with an audit trigger (the peer)")
    _clone_table(conn, "inventory_balances", "inv_balances")
    conn.execute("INSERT INTO bench.inv_balances SELECT * FROM erp.inventory_balances"
                 " WHERE tenant_id = %s", (t1,))
    conn.execute("INSERT INTO bench.inv_balances (tenant_id, product_id, location_id, on_hand,"
                 " reserved) SELECT %s, l.product_id, %s, 0, 0 FROM bench.inv_line_rows AS l"
                 " ON CONFLICT DO NOTHING", (t1, customers))
    _clone_table(conn, "inventory_moves", "inv_moves")
    conn.execute("INSERT INTO bench.inv_moves SELECT m.* FROM erp.inventory_moves AS m"
                 " JOIN bench.inv_pool AS x ON m.tenant_id = %s AND m.id = x.move_id", (t1,))
    _clone_table(conn, "inventory_pickings", "inv_pickings_trg")
    _clone_table(conn, "inventory_moves", "inv_moves_trg")
    for name, ref in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid ="
            " 'bench.inv_moves_trg'::regclass AND contype = 'f'"
            " AND confrelid = 'erp.inventory_pickings'::regclass").fetchall():
        conn.execute(f"ALTER TABLE bench.inv_moves_trg DROP CONSTRAINT {name}")
        conn.execute(f"ALTER TABLE bench.inv_moves_trg ADD CONSTRAINT {name} "
                     + ref.replace("erp.inventory_pickings(", "bench.inv_pickings_trg("))
    conn.execute("INSERT INTO bench.counters (tenant_id, sequence_id, period_key, start_value,"
                 " step, next_value) VALUES (%s, %s, 'all', 1, 1, 1)", (t1, PEER_SEQ))
    conn.execute(PEER_SQL)
    conn.execute("ANALYZE bench.inv_balances, bench.inv_moves, bench.inv_pool")
    return {"inv_hot": hot, "inv_stock": stock_id, "inv_customers": customers}


def _x(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def targets(rows: list[dict], ratio, cpu_note) -> list[dict]:
    """Reservation against the bare update (≥ 0.8×, or ≥ 0.9× the one-statement bound
    where that bound is below 0.8×) and the delivery validation against its peer, as the
    report's Target keyword arguments (``ratio`` and ``cpu_note`` are the report's)."""
    out = []
    for c in (16, 64):
        vs_raw = ratio(rows, "i.reserve", "i.raw_reserve", c)
        cte = ratio(rows, "i.cte_reserve", "i.raw_reserve", c)
        vs_cte = ratio(rows, "i.reserve", "i.cte_reserve", c)
        out.append(dict(
            issue="inventory", name=f"inventory_picking_reserve ≥ 0.8× the bare conditional "
            f"UPDATE of the hot balance row at {c} clients (or ≥ 0.9× the one-statement bound "
            "where it is below 0.8×)", measured=vs_raw, threshold=0.8, unit="x",
            alternative=bool(cte is not None and cte < 0.8 and vs_cte is not None
                             and vs_cte >= 0.9),
            note=f"{_x(vs_cte)} the CTE; " + cpu_note(rows, "i.reserve", "UPDATE", c),
            bound=f"balance + move + event in one CTE = {_x(cte)} the bare UPDATE"))
    for c in (1, 16):
        out.append(dict(
            issue="inventory", name=f"10-line delivery create + confirm + validate vs the "
            f"hand-written trigger-audited peer, {c} client{'s' * (c > 1)}",
            measured=ratio(rows, "i.deliver", "i.peer_deliver", c), threshold=None, unit="x",
            note=cpu_note(rows, "i.deliver", "peer", c),
            bound="peer: picking + 10 done moves (trigger audit), 20 balances in order, "
                  "raw number counter"))
    return out
