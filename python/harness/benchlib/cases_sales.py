"""The sales cases: a 10-line order created and confirmed (its number at commit) in one
transaction, against a hand-written peer that writes the same rows in one transaction with plain
INSERTs and UPDATEs into clones of the sales tables, an AFTER ROW audit trigger on them and the
number taken at the end (counter upsert + allocation event in one statement, then the number
written into the order), the bound of numbers at commit. And the same transactions at 64
clients on one number series, against the same transactions without a number (the project:
the draft cancelled instead of confirmed, one state change through the same path; the peer:
no counter, no number).

Every order is on tenant 1 (one ``SO`` series), customer partner 1, product 1 (10 lines of
quantity 1..10 at 9.99 with one 10 % tax).
"""

from __future__ import annotations

import psycopg

from harness.benchlib.schema import ACTOR, CTX, _clone_table, has_function

SALES = (1, 16)
ONE_SERIES = (64,)
LINES = 10

ORDER_LINES = (
    "(SELECT jsonb_agg(jsonb_build_object('product_id', :product::uuid, 'quantity', g.n,\n"
    "    'price_unit', 9.99, 'tax_ids', jsonb_build_array(:tax::uuid)) ORDER BY g.n)\n"
    f" FROM generate_series(1, {LINES}) AS g (n))")
CREATE = ("SELECT erp.sales_order_create(p_tenant_id => :tenant, " + CTX + ",\n"
          f"    p_partner_id => :partner::uuid, p_lines => {ORDER_LINES}) ->> 'id' AS order_id"
          " \\gset\n")


def _project(verb: str) -> str:
    return ("BEGIN;\n" + CREATE + f"SELECT erp.sales_order_{verb}(p_tenant_id => :tenant, {CTX},"
            "\n    p_order_id => :order_id::uuid);\nCOMMIT;\n")


WHERE_ORDER = "WHERE tenant_id = :tenant AND id = :order_id::uuid"
PEER_ORDER = (
    "INSERT INTO bench.sales_orders (tenant_id, id, partner_id, currency, order_date, state,\n"
    "    tax_rounding, amount_untaxed, amount_tax, amount_total)\n"
    "VALUES (:tenant, erp.uuid_v7(), :partner, 'EUR', current_date, 'draft', 'per_line',\n"
    "    549.45, 54.95, 604.40) RETURNING id AS order_id \\gset\n"
    "INSERT INTO bench.sales_order_lines (tenant_id, id, order_id, position, product_id,\n"
    "    quantity, uom_id, price_unit, discount, tax_ids, price_subtotal, price_tax, price_total)\n"
    "SELECT :tenant, erp.uuid_v7(), :order_id::uuid, g.n, :product, g.n, :uom, 9.99, 0,\n"
    "    ARRAY[:tax::uuid], g.n * 9.99, round(g.n * 0.999, 2), g.n * 9.99 + round(g.n * 0.999, 2)\n"
    f"FROM generate_series(1, {LINES}) AS g (n);\n"
    "UPDATE bench.sales_orders SET state = 'confirmed', version = version + 1,\n"
    f"    updated_at = now() {WHERE_ORDER};\n")
# the number at the end: counter upsert + allocation event in one statement, then the number
PEER_NUMBER = """WITH c AS (
    INSERT INTO bench.counters AS c (tenant_id, sequence_id, period_key, start_value, step,
        next_value)
    VALUES (:tenant, :seq, 'all', 1, 1, 2)
    ON CONFLICT ON CONSTRAINT counters_pkey DO UPDATE SET next_value = c.next_value + c.step
    RETURNING c.next_value - c.step AS allocated
), ev AS (
    INSERT INTO bench.audit_trg (tenant_id, id, actor_user_id, actor_type, entity_type,
        entity_id, event_type, trace_id, payload, created_at)
    SELECT :tenant, erp.uuid_v7(), :actor, 'USER', 'erp.base.sequence', :seq,
        'erp.base.sequence.allocated', 'bench',
        jsonb_build_object('allocated_value', c.allocated,
            'formatted', 'SO/' || lpad(c.allocated::text, 5, '0'), 'period_key', 'all',
            'document_id', :order_id::uuid), clock_timestamp()
    FROM c
)
SELECT 'SO/' || lpad(c.allocated::text, 5, '0') AS number FROM c \\gset
UPDATE bench.sales_orders SET number = :number, version = version + 1, updated_at = now()
""" + WHERE_ORDER + ";\n"

NEEDS = ("sales_order_create", "sales_order_confirm")
PEER_NUM = "BEGIN;\n" + PEER_ORDER + PEER_NUMBER + "COMMIT;\n"
PEER_NONUM = "BEGIN;\n" + PEER_ORDER + "COMMIT;\n"
# (key, group, label, script, clients, baseline, raw, requires): made into
# harness.benchlib.cases.Case there (unit: orders)
SPECS = [
    ("so.peer", "sales", f"peer: {LINES}-line order + confirm, trigger audit, number last",
     PEER_NUM, SALES, None, True, NEEDS),
    ("so.confirm", "sales", f"erp.sales_order_create ({LINES} lines) + confirm in one tx",
     _project("confirm"), SALES, "so.peer", False, NEEDS),
    ("so.peer_nonum", "sales_numbers", "peer: the same without a number",
     PEER_NONUM, ONE_SERIES, None, True, NEEDS),
    ("so.peer_num", "sales_numbers", "peer: number last, one series",
     PEER_NUM, ONE_SERIES, "so.peer_nonum", True, NEEDS),
    ("so.nonum", "sales_numbers", "erp.sales_order_create + cancel (no number)",
     _project("cancel"), ONE_SERIES, None, False, (*NEEDS, "sales_order_cancel")),
    ("so.num", "sales_numbers", "erp.sales_order_create + confirm, number at commit",
     _project("confirm"), ONE_SERIES, "so.nonum", False, NEEDS),
]

PEER_TRIGGERS = """
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON bench.sales_orders
FOR EACH ROW EXECUTE FUNCTION bench.audit_trigger('erp.sales.order');
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON bench.sales_order_lines
FOR EACH ROW EXECUTE FUNCTION bench.audit_trigger('erp.sales.order_line');
"""


def setup(conn: psycopg.Connection, tenant: str) -> dict:
    """The sales data the cases need, when the sales module is installed: a 10 % tax, the
    clones of the order and line tables with the audit trigger; the ``tax`` define."""
    if not all(has_function(conn, name) for name in NEEDS):
        return {}
    tax = conn.execute(
        "SELECT to_jsonb(t) ->> 'id' FROM erp.sales_tax_create(%s, %s, 'USER', 'bench-setup',"
        " 'VAT10', 'VAT 10 %%', 10, false) AS t", (tenant, ACTOR)).fetchone()[0]
    _clone_table(conn, "sales_orders", "sales_orders")
    _clone_table(conn, "sales_order_lines", "sales_order_lines", {"sales_orders": "sales_orders"})
    conn.execute(PEER_TRIGGERS)
    return {"tax": tax}
