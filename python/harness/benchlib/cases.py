"""The case catalogue: every raw baseline next to the project call it is compared with.

A case is one transaction in pgbench script syntax (see ``drivers``). ``baseline`` names the
case its throughput is divided by at the same client count; ``per_tx`` converts
transactions into the unit reported (numbers allocated, rows written).

Groups: ``sequence`` (gapless numbers), ``write`` (one audited write per transaction),
``txsize`` (1, 100 or 500 audited writes in one transaction), ``posting`` (invoice posting
without work), ``numbers`` (a document posting with 10 ms of work: no number, allocated
first, last, or at commit), ``read`` (audit reads with the trail full).

Raw baselines that write audit events write into ``bench.audit_events`` / ``bench.audit_trg``,
clones partitioned like the real trail (see ``schema``); ``seq.cte_plain`` writes into a plain
clone to show what the partitioning itself costs.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.benchlib import cases_inventory
from harness.benchlib.cases_sales import SPECS as SALES_SPECS
from harness.benchlib.schema import CTX, DOCUMENT_SEQUENCE, sql_id

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

CHURN = "BEGIN;\n{stmt};\nROLLBACK;\n{stmt};\n"  # one rolled back, one committed


def _counter_cte(tenant: str, audit: str) -> str:
    """Counter upsert + allocation event in one statement, into the given audit table."""
    return f"""WITH c AS (
    INSERT INTO bench.counters AS c (tenant_id, sequence_id, period_key, start_value, step,
        next_value)
    VALUES ({tenant}, :seq, 'all', 1, 1, 2)
    ON CONFLICT ON CONSTRAINT counters_pkey DO UPDATE SET next_value = c.next_value + c.step
    RETURNING c.next_value - c.step AS allocated
), ev AS (
    INSERT INTO {audit} (tenant_id, id, actor_user_id, actor_type, entity_type, entity_id,
        event_type, trace_id, payload, created_at)
    SELECT {tenant}, erp._uuid_v7_at(n.at), :actor, 'USER', 'erp.base.sequence', :seq,
        'erp.base.sequence.allocated', 'bench',
        jsonb_build_object('allocated_value', c.allocated,
            'formatted', 'INV/' || lpad(c.allocated::text, 6, '0'), 'period_key', 'all',
            'document_date', current_date, 'code', 'INV'), n.at
    FROM c CROSS JOIN (SELECT clock_timestamp() AS at) AS n
)
SELECT c.allocated FROM c;"""


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
    # the bound sequence_next is read against where the raw counter is out of reach: the
    # counter upsert and the allocation event in one statement, what the project's
    # erp._sequence_allocate does, without lookups, checks or formatting
    Case("seq.cte", "sequence", "raw CTE: counter upsert + audit insert (partitioned clone)",
         _counter_cte(":tenant", "bench.audit_events"), clients=(1, 16, 64), unit="numbers",
         raw=True),
    Case("seq.cte_plain", "sequence", "raw CTE: counter upsert + audit insert (plain clone)",
         _counter_cte(":tenant", "bench.audit_plain"), clients=(1, 16), baseline="seq.cte",
         unit="numbers", raw=True),
    Case("seq.cte64", "sequence", "raw CTE: counter upsert + audit insert, 64 tenants",
         "\\set t random(1, 64)\n" + _counter_cte(sql_id("tenant", "t"), "bench.audit_events"),
         clients=(1, 16), baseline="seq.raw64", unit="numbers", raw=True),
    # rollback churn: every other allocation is rolled back (WAL and CPU per committed number)
    Case("seq.raw_churn", "sequence", "raw hot-row UPDATE, every other one rolled back",
         CHURN.format(stmt=f"UPDATE bench.counters SET next_value = next_value + 1 "
                           f"WHERE {COUNTER_WHERE}\nRETURNING next_value"),
         clients=(1,), unit="numbers", raw=True),
    Case("seq.next_churn", "sequence", "erp.sequence_next, every other one rolled back",
         CHURN.format(stmt=f"SELECT * FROM erp.sequence_next(p_tenant_id => :tenant, {CTX},\n"
                           "    p_code => 'INV')"),
         clients=(1,), baseline="seq.raw_churn", unit="numbers", requires=("sequence_next",)),
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
    Case("w.product_cte", "write", "handoff CTE insert + audit, products",
         f"\\set n random(1, {BIG})\n" + f"""WITH ins AS (
    INSERT INTO bench.products ({PRODUCT_COLS})
    VALUES ({PRODUCT_VALUES})
    RETURNING *
), audit AS (
    INSERT INTO bench.audit_events (tenant_id, id, actor_user_id, actor_type, entity_type,
        entity_id, event_type, trace_id, payload, entity_version)
    SELECT ins.tenant_id, erp.uuid_v7(), :actor, 'USER', 'erp.base.product', ins.id,
        'erp.base.product.created', 'bench', row_to_json(ins)::jsonb, ins.version
    FROM ins
    RETURNING id
)
SELECT ins.* FROM ins;""", clients=(1, 16), baseline="w.product_insert", unit="rows", raw=True),
    Case("w.product_generic", "write", "erp.atomic_insert_with_audit (generic path), products",
         f"\\set n random(1, {BIG})\n"
         f"SELECT erp.atomic_insert_with_audit(p_tenant_id => :tenant, {CTX},\n"
         "    p_entity_type => 'erp.base.product', p_values => jsonb_build_object(\n"
         "        'sku', 'S' || :n, 'name', 'Product ' || :n, 'uom_id', :uom::uuid,\n"
         "        'list_price', 9.99));",
         baseline="w.product_insert", unit="rows", requires=("atomic_insert_with_audit",)),
    Case("w.partner_cte", "write", "raw CTE UPDATE + audit (old value, changes), partners",
         PARTNER + f"""WITH upd AS (
    UPDATE bench.partners AS p SET name = 'Partner ' || :n, version = p.version + 1,
        updated_at = now()
    FROM (SELECT o.id, o.name FROM bench.partners AS o
          WHERE o.tenant_id = :tenant AND o.id = {sql_id('partner', 'k')}) AS old
    WHERE p.tenant_id = :tenant AND p.id = old.id
    RETURNING p.*, old.name AS old_name
), audit AS (
    INSERT INTO bench.audit_events (tenant_id, id, actor_user_id, actor_type, entity_type,
        entity_id, event_type, trace_id, payload, entity_version, changes)
    SELECT upd.tenant_id, erp.uuid_v7(), :actor, 'USER', 'erp.base.partner', upd.id,
        'erp.base.partner.updated', 'bench', to_jsonb(upd) - 'old_name', upd.version,
        jsonb_build_object('name', jsonb_build_object('old', upd.old_name, 'new', upd.name))
    FROM upd
    RETURNING id
)
SELECT upd.* FROM upd;""", clients=(1, 16), baseline="w.partner_raw", unit="rows", raw=True),
    # rollback churn: every other write rolled back (WAL and CPU per committed row)
    Case("w.trigger_churn", "write", "trigger audit peer, every other insert rolled back",
         PICK + CHURN.format(stmt=f"INSERT INTO bench.uoms_trg ({UOM_COLS})\n"
                                  f"VALUES ({UOM_VALUES})"),
         clients=(1,), unit="rows", raw=True),
    Case("w.uom_churn", "write", "erp.uom_create, every other one rolled back",
         PICK + CHURN.format(stmt="SELECT * FROM erp.uom_create(p_tenant_id => :tenant, "
                                  f"{CTX},\n"
                                  "    p_code => 'U' || :n, p_name => 'Unit ' || :n,\n"
                                  "    p_category => 'CAT' || :k, p_uom_type => 'bigger',\n"
                                  "    p_factor => 12, p_rounding => 0.01)"),
         clients=(1,), baseline="w.trigger_churn", unit="rows", requires=("uom_create",)),
]

# N audited writes in one transaction (one statement: a PL/pgSQL loop of single-row writes,
# the same loop on both sides): the per-write cost must stay flat from 1 to 500 (no
# subtransaction per write, nothing that grows with the transaction)
TX_SIZES = (1, 100, 500)
TXSIZE = [
    case
    for n in TX_SIZES
    for case in (
        Case(f"t.raw{n}", "txsize", f"{n} trigger-peer INSERTs in one transaction",
             f"\\set n random(1, {BIG})\n"
             f"SELECT bench.categories_trigger(:tenant, 'T' || :n, {n});",
             clients=(1,), per_tx=n, unit="rows", raw=True),
        Case(f"t.call{n}", "txsize", f"{n} erp.uom_category_create in one transaction",
             f"\\set n random(1, {BIG})\n"
             f"SELECT bench.categories_project(:tenant, :actor, 'K' || :n, {n});",
             clients=(1,), per_tx=n, baseline=f"t.raw{n}", unit="rows",
             requires=("uom_category_create",)),
    )
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

# ---- numbers at commit: a document posting with 10 ms of work (DESIGN "Numbers at commit") --
# The module author's entity bench.documents (erp.erp_bench_documents), written through the
# generic writers; five plain line rows; pg_sleep(0.01) as the work; all on one series.
DOC = DOCUMENT_SEQUENCE
DOC_HEADER = (
    "SELECT (r ->> 'id')::uuid AS doc_id\nFROM erp.atomic_insert_with_audit(p_tenant_id => "
    f":tenant, {CTX},\n    p_entity_type => 'bench.documents', p_values => "
    "jsonb_build_object('partner_id', :partner::uuid, 'total', 179.85{number})) AS r \\gset\n")
DOC_LINES = "".join(
    "INSERT INTO bench.document_lines (tenant_id, document_id, line_no, product_id,\n"
    f"    description, qty, price)\nVALUES (:tenant, :doc_id, {i}, :product, 'Widget {i}', "
    f"{i}, 11.99);\n" for i in range(1, 6))
WORK = "SELECT pg_sleep(0.01);\n"
DOC_NUMBER = ("SELECT s.formatted AS number\nFROM erp.sequence_next(p_tenant_id => :tenant, "
              f"{CTX},\n    p_code => '{DOC}') AS s \\gset\n")
NUMBERS = [
    Case("n.none", "numbers", "posting with 10 ms work, no number",
         "BEGIN;\n" + DOC_HEADER.format(number="") + DOC_LINES + WORK + "COMMIT;\n",
         clients=POSTING, unit="docs", requires=("atomic_insert_with_audit",)),
    Case("n.first", "numbers", "posting, erp.sequence_next first (before the work)",
         "BEGIN;\n" + DOC_NUMBER
         + DOC_HEADER.format(number=", 'number', :number::text") + DOC_LINES + WORK
         + "COMMIT;\n", clients=POSTING, baseline="n.none", unit="docs",
         requires=("sequence_next", "atomic_insert_with_audit")),
    Case("n.last", "numbers", "posting, erp.sequence_next last (after the work)",
         "BEGIN;\n" + DOC_HEADER.format(number="") + DOC_LINES + WORK + DOC_NUMBER
         + f"SELECT erp.atomic_update_with_audit(p_tenant_id => :tenant, {CTX},\n"
         "    p_entity_type => 'bench.documents', p_id => :doc_id::uuid,\n"
         "    p_patch => jsonb_build_object('number', :number::text));\nCOMMIT;\n",
         clients=POSTING, baseline="n.none", unit="docs",
         requires=("sequence_next", "atomic_update_with_audit")),
    # the bound of numbers at commit: the counter row locked only for the last statements and
    # the commit, with nothing of the project's in between (raw counter UPDATE, plain UPDATE
    # of the number)
    Case("n.raw_last", "numbers", "posting, raw counter UPDATE + number just before COMMIT",
         "BEGIN;\n" + DOC_HEADER.format(number="") + DOC_LINES + WORK + RAW_NUMBER
         + " \\gset\nUPDATE erp.erp_bench_documents SET number = :number\n"
         "WHERE tenant_id = :tenant AND id = :doc_id;\nCOMMIT;\n", clients=POSTING,
         baseline="n.none", unit="docs", raw=True, requires=("atomic_insert_with_audit",)),
    Case("n.commit", "numbers", "posting, erp.sequence_next_at_commit (number at commit)",
         "BEGIN;\n" + DOC_HEADER.format(number="")
         + f"SELECT erp.sequence_next_at_commit(p_tenant_id => :tenant, {CTX},\n"
         f"    p_code => '{DOC}', p_entity_type => 'bench.documents', "
         "p_entity_id => :doc_id::uuid);\n"
         + DOC_LINES + WORK + "COMMIT;\n", clients=POSTING, baseline="n.none", unit="docs",
         requires=("sequence_next_at_commit", "atomic_insert_with_audit")),
]

HIST = "\\set k random(1, 1000)\n"
PAGE_T = "\\set t random(1, 64)\n"
READ = [
    Case("r.raw_history", "read", "raw SELECT of one entity's events",
         HIST + """SELECT e.* FROM bench.hist_entities AS h
JOIN erp.erp_audit_events AS e ON e.tenant_id = h.tenant_id AND e.entity_id = h.entity_id
    AND e.entity_type = h.entity_type
WHERE h.n = :k ORDER BY e.id;""", clients=READS, unit="reads", raw=True),
    Case("r.history", "read", "erp.audit_history (one entity)",
         HIST + """SELECT a.* FROM bench.hist_entities AS h,
    erp.audit_history(p_tenant_id => h.tenant_id, p_entity_type => h.entity_type,
        p_entity_id => h.entity_id) AS a
WHERE h.n = :k;""", clients=READS, baseline="r.raw_history", unit="reads",
         requires=("audit_history",)),
    Case("r.raw_as_of", "read", "raw SELECT of the version in force at a time",
         HIST + """SELECT (SELECT e.payload FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = h.tenant_id AND e.entity_id = h.entity_id
        AND e.entity_type = h.entity_type AND e.entity_version IS NOT NULL
        AND e.created_at <= h.as_of
    ORDER BY e.entity_version DESC LIMIT 1)
FROM bench.hist_entities AS h WHERE h.n = :k;""", clients=READS, unit="reads", raw=True),
    Case("r.as_of", "read", "erp.entity_as_of (time travel, one entity)",
         HIST + """SELECT erp.entity_as_of(p_tenant_id => h.tenant_id,
    p_entity_type => h.entity_type, p_entity_id => h.entity_id, p_at => h.as_of)
FROM bench.hist_entities AS h WHERE h.n = :k;""", clients=READS, baseline="r.raw_as_of",
         unit="reads", requires=("entity_as_of",)),
    Case("r.raw_page", "read", "raw SELECT first page (100)",
         PAGE_T + f"""SELECT e.* FROM erp.erp_audit_events AS e
WHERE e.tenant_id = {sql_id('tenant', 't')} ORDER BY e.id LIMIT 100;""",
         clients=READS, unit="reads", raw=True),
    Case("r.page", "read", "erp.audit_events first page (100)",
         PAGE_T + f"SELECT * FROM erp.audit_events(p_tenant_id => {sql_id('tenant', 't')},\n"
         "    p_limit => 100);", clients=READS, baseline="r.raw_page", unit="reads",
         requires=("audit_events",)),
    Case("r.raw_deep", "read", "raw SELECT keyset page mid-history",
         PAGE_T + """SELECT p.* FROM bench.page_marks AS m
CROSS JOIN LATERAL (
    SELECT e.* FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = m.tenant_id AND e.id > m.after_id
    ORDER BY e.id LIMIT 100) AS p
WHERE m.n = :t;""", clients=READS, unit="reads", raw=True),
    Case("r.deep", "read", "erp.audit_events keyset page mid-history",
         PAGE_T + """SELECT a.* FROM bench.page_marks AS m,
    erp.audit_events(p_tenant_id => m.tenant_id, p_after => m.after_id, p_limit => 100) AS a
WHERE m.n = :t;""", clients=READS, baseline="r.raw_deep", unit="reads",
         requires=("audit_events",)),
]

INVENTORY = [Case(**kw) for kw in cases_inventory.INVENTORY]
SALES = [Case(key, group, label, script, clients, baseline, unit="orders", requires=needs,
              raw=raw) for key, group, label, script, clients, baseline, raw, needs in SALES_SPECS]

ALL = SEQUENCE + WRITE + TXSIZE + POSTINGS + NUMBERS + SALES + INVENTORY + READ
BY_KEY = {c.key: c for c in ALL}
