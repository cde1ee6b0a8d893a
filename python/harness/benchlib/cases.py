"""The case catalogue: every raw baseline next to the project call it is compared with.

A case is one transaction in pgbench script syntax (see ``drivers``). ``baseline`` names the
case its throughput is divided by at the same client count; ``per_tx`` converts
transactions into the unit reported (numbers allocated, rows written).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.benchlib.schema import CTX, sql_id

CONCURRENCY = (1, 16, 64, 100)
POSTING = (16, 64)
READS = (1, 16)
BIG = 1_000_000_000_000_000_000  # random codes: collisions are out of the question


@dataclass(frozen=True)
class Case:
    key: str
    group: str  # sequence | write | posting | read
    label: str
    script: str
    clients: tuple[int, ...] = CONCURRENCY
    baseline: str | None = None
    per_tx: int = 1
    unit: str = "tx"
    requires: tuple[str, ...] = ()  # erp functions that must exist (else: skipped)
    raw: bool = False


COUNTER_WHERE = "tenant_id = :tenant AND sequence_id = :seq AND period_key = 'all'"
COUNTER_WHERE_T = (f"tenant_id = {sql_id('tenant', 't')} AND sequence_id = :seq "
                   "AND period_key = 'all'")

SEQUENCE = [
    Case("seq.raw", "sequence", "raw hot-row UPDATE … RETURNING",
         f"UPDATE bench.counters SET next_value = next_value + 1 WHERE {COUNTER_WHERE}\n"
         "RETURNING next_value;", unit="numbers", raw=True),
    Case("seq.nextval", "sequence", "raw nextval() (not gapless)",
         "SELECT nextval('bench.seq');", unit="numbers", raw=True),
    Case("seq.next", "sequence", "erp.sequence_next, one sequence",
         f"SELECT * FROM erp.sequence_next(p_tenant_id => :tenant, {CTX}, p_code => 'INV');",
         baseline="seq.raw", unit="numbers", requires=("sequence_next",)),
    Case("seq.raw64", "sequence", "raw hot-row UPDATE, 64 tenants",
         "\\set t random(1, 64)\n"
         f"UPDATE bench.counters SET next_value = next_value + 1 WHERE {COUNTER_WHERE_T}\n"
         "RETURNING next_value;", unit="numbers", raw=True),
    Case("seq.next64", "sequence", "erp.sequence_next, 64 tenants",
         "\\set t random(1, 64)\n"
         f"SELECT * FROM erp.sequence_next(p_tenant_id => {sql_id('tenant', 't')}, {CTX},\n"
         "    p_code => 'INV');", baseline="seq.raw64", unit="numbers",
         requires=("sequence_next",)),
    Case("seq.raw_batch", "sequence", "raw UPDATE +100 and 100 audit rows (CTE)",
         f"""WITH c AS (
    UPDATE bench.counters SET next_value = next_value + 100 WHERE {COUNTER_WHERE}
    RETURNING next_value
), n AS (
    SELECT g.n FROM c, generate_series(c.next_value - 100, c.next_value - 1) AS g (n)
), ev AS (
    INSERT INTO bench.audit_events (tenant_id, id, actor_user_id, actor_type, entity_type,
        entity_id, event_type, trace_id, payload, created_at)
    SELECT :tenant, erp.uuid_v7(), :actor, 'USER', 'erp.base.sequence', :seq,
        'erp.base.sequence.allocated', 'bench',
        jsonb_build_object('allocated_value', n.n, 'formatted', 'INV/' || n.n), clock_timestamp()
    FROM n
)
SELECT n.n FROM n ORDER BY n.n;""", per_tx=100, unit="numbers", raw=True),
    Case("seq.batch", "sequence", "erp.sequence_next_batch(100)",
         f"SELECT * FROM erp.sequence_next_batch(p_tenant_id => :tenant, {CTX}, p_code => 'INV',\n"
         "    p_count => 100);", baseline="seq.raw_batch", per_tx=100, unit="numbers",
         requires=("sequence_next_batch",)),
]

UOM_COLS = "tenant_id, id, code, name, category_id, uom_type, factor, rounding"
# baselines take their ids from the project's erp.uuid_v7() too: same id locality in every
# index, so the difference measured is validation and audit, not the id scheme
UOM_VALUES = (f":tenant, erp.uuid_v7(), 'U' || :n, 'Unit ' || :n, {sql_id('category', 'k')},"
              " 'bigger', 12, 0.01")
PICK = f"\\set k random(1, 1000)\n\\set n random(1, {BIG})\n"
PRODUCT_COLS = "tenant_id, id, sku, name, uom_id, list_price"
PRODUCT_VALUES = ":tenant, erp.uuid_v7(), 'S' || :n, 'Product ' || :n, :uom, 9.99"
PARTNER = f"\\set k random(1, :partners)\n\\set n random(1, {BIG})\n"
PARTNER_SET = "name = 'Partner ' || :n, version = version + 1, updated_at = now()"
PARTNER_WHERE = f"tenant_id = :tenant AND id = {sql_id('partner', 'k')}"

WRITE = [
    Case("w.insert", "write", "bare INSERT (erp_uoms clone)",
         PICK + f"INSERT INTO bench.uoms ({UOM_COLS})\nVALUES ({UOM_VALUES})\nRETURNING *;",
         unit="rows", raw=True),
    Case("w.cte", "write", "handoff CTE insert + audit",
         PICK + f"""WITH ins AS (
    INSERT INTO bench.uoms ({UOM_COLS})
    VALUES ({UOM_VALUES})
    RETURNING *
), audit AS (
    INSERT INTO bench.audit_events (tenant_id, id, actor_user_id, actor_type, entity_type,
        entity_id, event_type, trace_id, payload)
    SELECT ins.tenant_id, erp.uuid_v7(), :actor, 'USER', 'erp.base.uom', ins.id,
        'erp.base.uom.created', 'bench', row_to_json(ins)::jsonb
    FROM ins
    RETURNING id
)
SELECT ins.* FROM ins;""", baseline="w.insert", unit="rows", raw=True),
    Case("w.trigger", "write", "trigger audit peer (AFTER INSERT, to_jsonb(NEW))",
         PICK + f"INSERT INTO bench.uoms_trg ({UOM_COLS})\nVALUES ({UOM_VALUES})\nRETURNING *;",
         baseline="w.insert", unit="rows", raw=True),
    Case("w.uom_create", "write", "erp.uom_create",
         PICK + f"SELECT * FROM erp.uom_create(p_tenant_id => :tenant, {CTX},\n"
         "    p_code => 'U' || :n, p_name => 'Unit ' || :n, p_category => 'CAT' || :k,\n"
         "    p_uom_type => 'bigger', p_factor => 12, p_rounding => 0.01);",
         baseline="w.insert", unit="rows", requires=("uom_create",)),
    Case("w.product_insert", "write", "bare INSERT (erp_products clone)",
         f"\\set n random(1, {BIG})\n"
         f"INSERT INTO bench.products ({PRODUCT_COLS})\nVALUES ({PRODUCT_VALUES})\nRETURNING *;",
         unit="rows", raw=True),
    Case("w.product_trigger", "write", "trigger audit peer, products",
         f"\\set n random(1, {BIG})\n"
         f"INSERT INTO bench.products_trg ({PRODUCT_COLS})\nVALUES ({PRODUCT_VALUES})\n"
         "RETURNING *;", baseline="w.product_insert", unit="rows", raw=True),
    Case("w.product_create", "write", "erp.product_create",
         f"\\set n random(1, {BIG})\n"
         f"SELECT * FROM erp.product_create(p_tenant_id => :tenant, {CTX},\n"
         "    p_sku => 'S' || :n, p_name => 'Product ' || :n, p_uom_id => :uom,\n"
         "    p_list_price => 9.99);",
         baseline="w.product_insert", unit="rows", requires=("product_create",)),
    Case("w.partner_raw", "write", "bare UPDATE … RETURNING (erp_partners clone)",
         PARTNER + f"UPDATE bench.partners SET {PARTNER_SET}\nWHERE {PARTNER_WHERE}\n"
         "RETURNING *;", unit="rows", raw=True),
    Case("w.partner_trigger", "write", "trigger audit peer, partner update",
         PARTNER + f"UPDATE bench.partners_trg SET {PARTNER_SET}\nWHERE {PARTNER_WHERE}\n"
         "RETURNING *;", baseline="w.partner_raw", unit="rows", raw=True),
    Case("w.partner_update", "write", "erp.partner_update",
         PARTNER + f"SELECT * FROM erp.partner_update(p_tenant_id => :tenant, {CTX},\n"
         f"    p_id => {sql_id('partner', 'k')},\n"
         "    p_patch => jsonb_build_object('name', 'Partner ' || :n));",
         baseline="w.partner_raw", unit="rows", requires=("partner_update",)),
]


def _posting(allocate: str, late: bool) -> str:
    """BEGIN; number; invoice header; five lines; COMMIT (or the number last)."""
    lines = "".join(
        "INSERT INTO bench.invoice_lines (tenant_id, invoice_id, line_no, product_id,\n"
        f"    description, qty, price)\nVALUES (:tenant, :invoice_id, {i}, :product, "
        f"'Widget {i}', {i}, 11.99);\n" for i in range(1, 6))
    if not late:
        return ("BEGIN;\n" + allocate + " \\gset\n"
                "INSERT INTO bench.invoices (tenant_id, number, partner_id, total)\n"
                "VALUES (:tenant, :number, :partner, 179.85) RETURNING id AS invoice_id \\gset\n"
                + lines + "COMMIT;\n")
    return ("BEGIN;\n"
            "INSERT INTO bench.invoices (tenant_id, partner_id, total)\n"
            "VALUES (:tenant, :partner, 179.85) RETURNING id AS invoice_id \\gset\n"
            + lines + allocate + " \\gset\n"
            "UPDATE bench.invoices SET number = :number\n"
            "WHERE tenant_id = :tenant AND id = :invoice_id;\nCOMMIT;\n")


RAW_NUMBER = (f"UPDATE bench.counters SET next_value = next_value + 1 WHERE {COUNTER_WHERE}\n"
              "RETURNING 'RAW/' || (next_value - 1) AS number")
ERP_NUMBER = (f"SELECT s.formatted AS number\nFROM erp.sequence_next(p_tenant_id => :tenant, "
              f"{CTX},\n    p_code => 'INV') AS s")
NEXTVAL_NUMBER = "SELECT 'NV/' || nextval('bench.seq') AS number"

POSTINGS = [
    Case("p.nextval", "posting", "posting, nextval() number (gaps possible)",
         _posting(NEXTVAL_NUMBER, late=False), clients=POSTING, unit="docs", raw=True),
    Case("p.raw", "posting", "posting, raw counter UPDATE first",
         _posting(RAW_NUMBER, late=False), clients=POSTING, unit="docs", raw=True),
    Case("p.next", "posting", "posting, erp.sequence_next first",
         _posting(ERP_NUMBER, late=False), clients=POSTING, baseline="p.raw", unit="docs",
         requires=("sequence_next",)),
    Case("p.raw_late", "posting", "posting, raw counter UPDATE last",
         _posting(RAW_NUMBER, late=True), clients=POSTING, unit="docs", raw=True),
    Case("p.next_late", "posting", "posting, erp.sequence_next last",
         _posting(ERP_NUMBER, late=True), clients=POSTING, baseline="p.raw_late", unit="docs",
         requires=("sequence_next",)),
]

HIST = "\\set k random(1, 1000)\n"
PAGE_T = "\\set t random(1, 64)\n"
READ = [
    Case("r.raw_history", "read", "raw SELECT of one entity's events",
         HIST + """SELECT e.* FROM bench.hist_entities AS h
JOIN erp.erp_audit_events AS e ON e.tenant_id = h.tenant_id AND e.entity_id = h.entity_id
    AND e.entity_type = h.entity_type
WHERE h.n = :k ORDER BY e.created_at, e.id;""", clients=READS, unit="reads", raw=True),
    Case("r.history", "read", "erp.audit_history (one entity)",
         HIST + """SELECT a.* FROM bench.hist_entities AS h,
    erp.audit_history(p_tenant_id => h.tenant_id, p_entity_type => h.entity_type,
        p_entity_id => h.entity_id) AS a
WHERE h.n = :k;""", clients=READS, baseline="r.raw_history", unit="reads",
         requires=("audit_history",)),
    Case("r.raw_page", "read", "raw SELECT first page (100)",
         PAGE_T + f"""SELECT e.* FROM erp.erp_audit_events AS e
WHERE e.tenant_id = {sql_id('tenant', 't')} ORDER BY e.created_at, e.id LIMIT 100;""",
         clients=READS, unit="reads", raw=True),
    Case("r.page", "read", "erp.audit_events first page (100)",
         PAGE_T + f"SELECT * FROM erp.audit_events(p_tenant_id => {sql_id('tenant', 't')},\n"
         "    p_limit => 100);", clients=READS, baseline="r.raw_page", unit="reads",
         requires=("audit_events",)),
    Case("r.raw_deep", "read", "raw SELECT keyset page mid-history",
         PAGE_T + """SELECT p.* FROM bench.page_marks AS m
CROSS JOIN LATERAL (
    SELECT e.* FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = m.tenant_id AND (e.created_at, e.id) > (
        (SELECT x.created_at FROM erp.erp_audit_events AS x
         WHERE x.tenant_id = m.tenant_id AND x.id = m.after_id), m.after_id)
    ORDER BY e.created_at, e.id LIMIT 100) AS p
WHERE m.n = :t;""", clients=READS, unit="reads", raw=True),
    Case("r.deep", "read", "erp.audit_events keyset page mid-history",
         PAGE_T + """SELECT a.* FROM bench.page_marks AS m,
    erp.audit_events(p_tenant_id => m.tenant_id, p_after => m.after_id, p_limit => 100) AS a
WHERE m.n = :t;""", clients=READS, baseline="r.raw_deep", unit="reads",
         requires=("audit_events",)),
]

ALL = SEQUENCE + WRITE + POSTINGS + READ
BY_KEY = {c.key: c for c in ALL}
