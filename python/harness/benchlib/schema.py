"""The benchmark's own data: tenants, sequences and master data created through the project,
and the raw baseline tables in schema ``bench``.

Baseline tables are clones of the project's tables (``LIKE … INCLUDING ALL`` copies columns,
generated columns, defaults, CHECK constraints and every index, including the partial
unique ones; the foreign keys are re-added pointing at the same parent tables), so a bare
INSERT into ``bench.uoms`` does exactly the storage work of an INSERT into ``erp.erp_uoms``,
and the difference measured is the project's validation and audit.

Ids are deterministic so that pgbench scripts can address rows by number:
``('00000000-0000-4000-<kind>-' || lpad(:n, 12, '0'))::uuid``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import psycopg

TENANTS = 64
CATEGORIES = 1000  # uom_create picks one at random: real categories hold a handful of units
ACTOR = "00000000-0000-4000-9000-000000000001"
SEQ_ID = "00000000-0000-4000-e000-000000000001"  # the baseline counters' sequence id
KIND = {"tenant": "8000", "category": "a000", "partner": "b000", "uom": "c000", "product": "d000"}


def did(kind: str, n: int) -> str:
    """The deterministic id number ``n`` of a kind (tenant 1 = …-8000-000000000001)."""
    return f"00000000-0000-4000-{KIND[kind]}-{n:012d}"


def sql_id(kind: str, var: str) -> str:
    """SQL for the deterministic id of a pgbench variable."""
    return f"('00000000-0000-4000-{KIND[kind]}-' || lpad(:{var}::text, 12, '0'))::uuid"


CTX = "p_actor_user_id => :actor, p_actor_type => 'USER', p_trace_id => 'bench'"


def has_function(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'erp' AND p.proname = %s)", (name,)).fetchone()[0]


def _insert_many(conn: psycopg.Connection, tenant: str, entity: str, rows: list[dict]) -> None:
    for i in range(0, len(rows), 5000):
        conn.execute(
            "SELECT count(*) FROM erp.atomic_insert_many_with_audit(%s, %s, 'USER', 'bench-setup',"
            " %s, %s::jsonb)", (tenant, ACTOR, entity, json.dumps(rows[i:i + 5000])))


def _clone_table(conn: psycopg.Connection, source: str, target: str) -> None:
    """``bench.<target>`` shaped exactly like ``erp.<source>``, foreign keys included."""
    conn.execute(f"CREATE TABLE bench.{target} (LIKE erp.{source} INCLUDING ALL)")
    conn.execute("SET search_path = pg_catalog")  # constraint defs come out schema-qualified
    defs = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        (f"erp.{source}",)).fetchall()
    conn.execute("RESET search_path")
    for name, definition in defs:
        definition = definition.replace(f"REFERENCES erp.{source}(", f"REFERENCES bench.{target}(")
        conn.execute(f"ALTER TABLE bench.{target} ADD CONSTRAINT {target}_{name} {definition}")


TRIGGER_SQL = """
-- The trigger-based audit peer, as generic audit-trigger extensions write it: an AFTER ROW
-- trigger storing a jsonb snapshot of NEW (and OLD on update); the actor comes from settings.
CREATE FUNCTION bench.audit_trigger() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO bench.audit_trg (tenant_id, id, actor_user_id, actor_type, entity_type,
        entity_id, event_type, trace_id, payload, entity_version, changes, created_at)
    VALUES (NEW.tenant_id, erp.uuid_v7(),
        nullif(current_setting('bench.actor_user_id', true), '')::uuid,
        coalesce(nullif(current_setting('bench.actor_type', true), ''), 'SYSTEM'),
        TG_ARGV[0], NEW.id, TG_ARGV[0] || '.' || lower(TG_OP),
        current_setting('bench.trace_id', true), to_jsonb(NEW), NEW.version,
        CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END, clock_timestamp());
    RETURN NULL;
END
$fn$;
CREATE TRIGGER audit AFTER INSERT ON bench.uoms_trg
FOR EACH ROW EXECUTE FUNCTION bench.audit_trigger('erp.base.uom');
CREATE TRIGGER audit AFTER INSERT ON bench.products_trg
FOR EACH ROW EXECUTE FUNCTION bench.audit_trigger('erp.base.product');
CREATE TRIGGER audit AFTER UPDATE ON bench.partners_trg
FOR EACH ROW EXECUTE FUNCTION bench.audit_trigger('erp.base.partner');
"""

DOCUMENT_SQL = """
-- the "invoice" a posting transaction writes: plain tables, no audit
CREATE TABLE bench.invoices (
    tenant_id uuid NOT NULL REFERENCES erp.erp_tenants (id),
    id uuid NOT NULL DEFAULT erp.uuid_v7(),
    number text,
    partner_id uuid NOT NULL,
    invoice_date date NOT NULL DEFAULT current_date,
    currency text NOT NULL DEFAULT 'EUR',
    total numeric NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES erp.erp_partners (tenant_id, id)
);
CREATE TABLE bench.invoice_lines (
    tenant_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    line_no integer NOT NULL,
    product_id uuid NOT NULL,
    description text,
    qty numeric NOT NULL,
    price numeric NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, line_no),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES bench.invoices (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES erp.erp_products (tenant_id, id)
);
"""


def setup(conn: psycopg.Connection, dbname: str, partners: int,
          log: Callable[[str], None] = print) -> dict:
    """Create everything the cases need; returns the pgbench ``-D`` defines."""
    conn.execute("CREATE SCHEMA bench")
    log(f"{TENANTS} tenants, each with a yearly invoice sequence INV/{{YYYY}}/000001")
    for t in range(1, TENANTS + 1):
        conn.execute("SELECT erp.tenant_create(%s, NULL, 'SYSTEM', 'bench-setup', %s, 'UTC')",
                     (did("tenant", t), f"Bench tenant {t}"))
        conn.execute(
            "SELECT erp.sequence_create(p_tenant_id => %s, p_actor_user_id => %s, "
            "p_actor_type => 'USER', p_trace_id => 'bench-setup', p_code => 'INV', "
            "p_name => 'Invoices', p_prefix => 'INV/{YYYY}/', p_padding => 6, "
            "p_reset => 'yearly')", (did("tenant", t), ACTOR))
    t1 = did("tenant", 1)

    log(f"{CATEGORIES} unit categories with a reference unit each, {partners} partners, "
        "a product")
    _insert_many(conn, t1, "erp.base.uom_category", [
        {"id": did("category", k), "code": f"CAT{k}", "name": f"Category {k}"}
        for k in range(1, CATEGORIES + 1)])
    _insert_many(conn, t1, "erp.base.uom", [
        {"id": did("uom", k), "code": f"REF{k}", "name": f"Reference unit {k}",
         "category_id": did("category", k), "uom_type": "reference", "factor": 1,
         "rounding": "0.01"} for k in range(1, CATEGORIES + 1)])
    _insert_many(conn, t1, "erp.base.partner", [
        {"id": did("partner", k), "code": f"P{k}", "name": f"Partner {k}",
         "email": f"p{k}@example.com", "tax_id": f"DE{k:09d}",
         "address": {"street": f"Street {k}", "city": "Berlin", "zip": "10115",
                     "country": "DE"}} for k in range(1, partners + 1)])
    _insert_many(conn, t1, "erp.base.product", [
        {"id": did("product", 1), "sku": "SKU-1", "name": "Widget", "uom_id": did("uom", 1),
         "list_price": "9.99"}])

    log("baseline tables in schema bench (clones of the erp tables, same indexes and keys)")
    for source, target in [("erp_uoms", "uoms"), ("erp_uoms", "uoms_trg"),
                           ("erp_products", "products"), ("erp_products", "products_trg"),
                           ("erp_partners", "partners"), ("erp_partners", "partners_trg"),
                           ("erp_audit_events", "audit_events"), ("erp_audit_events", "audit_trg"),
                           ("erp_sequence_counters", "counters")]:
        _clone_table(conn, source, target)
    # the raw counters need no sequence definition
    conn.execute("ALTER TABLE bench.counters "
                 "DROP CONSTRAINT counters_erp_sequence_counters_sequence_fkey")
    cols = conn.execute(
        "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
        "WHERE attrelid = 'erp.erp_partners'::regclass AND attnum > 0 AND NOT attisdropped "
        "AND attgenerated = ''").fetchone()[0]
    for target in ("partners", "partners_trg"):
        conn.execute(f"INSERT INTO bench.{target} ({cols}) SELECT {cols} FROM erp.erp_partners")
    conn.execute(
        "INSERT INTO bench.counters (tenant_id, sequence_id, period_key, start_value, step, "
        "next_value) SELECT t.id, %s, 'all', 1, 1, 1 FROM erp.erp_tenants AS t", (SEQ_ID,))
    conn.execute("CREATE SEQUENCE bench.seq")
    conn.execute(TRIGGER_SQL)
    conn.execute(DOCUMENT_SQL)
    for key, value in (("actor_user_id", ACTOR), ("actor_type", "USER"), ("trace_id", "bench")):
        conn.execute(f"ALTER DATABASE \"{dbname}\" SET bench.{key} = '{value}'")
    conn.execute("VACUUM ANALYZE")
    return {"tenant": t1, "actor": ACTOR, "seq": SEQ_ID, "partner": did("partner", 1),
            "product": did("product", 1), "uom": did("uom", 1)}


# ---- a realistic audit trail of 1M+ events ---------------------------------------------------
EVENTS_SQL = """
INSERT INTO erp.erp_audit_events (tenant_id, id, actor_user_id, actor_type, entity_type,
    entity_id, event_type, trace_id, payload, entity_version, changes, created_at)
SELECT x.tenant_id,
    (lpad(to_hex((extract(epoch FROM x.ts) * 1000)::bigint), 12, '0') || '7'
        || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
    %(actor)s::uuid, 'USER', x.etype, x.eid,
    x.etype || CASE WHEN x.v = 1 THEN '.created' ELSE '.updated' END,
    'import-' || x.e,
    jsonb_build_object('id', x.eid, 'tenant_id', x.tenant_id, 'code', 'C-' || x.e,
        'name', 'Entity ' || x.e || ' rev ' || x.v, 'list_price', (x.e %% 1000) + 0.99,
        'active', true, 'version', x.v, 'created_at', x.ts, 'updated_at', x.ts),
    x.v,
    CASE WHEN x.v > 1 THEN jsonb_build_object('name', jsonb_build_object(
        'old', 'Entity ' || x.e || ' rev ' || (x.v - 1), 'new', 'Entity ' || x.e || ' rev ' || x.v))
    END,
    x.ts
FROM (
    SELECT %(tenant)s::uuid AS tenant_id, e.e, v.v,
        (ARRAY['erp.base.product', 'erp.base.partner', 'erp.base.product', 'erp.base.uom',
            'erp.base.partner'])[1 + e.e %% 5] AS etype,
        md5(%(tenant)s || '/' || e.e)::uuid AS eid,
        now() - interval '400 days' + e.e * %(step)s * interval '1 second'
            + (v.v - 1) * interval '7 hours' AS ts
    FROM generate_series(1, %(entities)s) AS e (e),
        generate_series(1, 1 + (e.e * 7919) %% 19) AS v (v)
) AS x
"""


def generate_events(url: str, total: int, progress: Callable[[int], None]) -> int:
    """About ``total`` events over the 64 tenants (an average of 10 per entity: one
    created, the rest updates, spread over 400 days), written set-based by two connections."""
    entities = max(1, total // (TENANTS * 10))
    step = 400 * 86400 // entities
    written = [0]
    lock = threading.Lock()
    tenants = list(range(1, TENANTS + 1))

    def worker(mine: list[int]) -> None:
        with psycopg.connect(url, autocommit=True) as c:
            for t in mine:
                cur = c.execute(EVENTS_SQL, {"tenant": did("tenant", t), "actor": ACTOR,
                                             "entities": entities, "step": step})
                with lock:
                    written[0] += cur.rowcount
                    progress(cur.rowcount)

    threads = [threading.Thread(target=worker, args=(tenants[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("VACUUM ANALYZE erp.erp_audit_events")
        # read targets: 1000 entities spread over the tenants, and a mid-history page marker
        c.execute("""
            CREATE TABLE bench.hist_entities AS
            SELECT row_number() OVER () AS n, s.tenant_id, s.entity_type, s.entity_id
            FROM (SELECT e.tenant_id, e.entity_type, e.entity_id
                FROM erp.erp_audit_events AS e
                WHERE e.entity_version = 1 AND e.trace_id LIKE 'import-%'
                ORDER BY random() LIMIT 1000) AS s""")
        c.execute("""
            CREATE TABLE bench.page_marks AS
            SELECT t.n, t.id AS tenant_id,
                (SELECT e.id FROM erp.erp_audit_events AS e WHERE e.tenant_id = t.id
                 ORDER BY e.created_at, e.id
                 OFFSET (SELECT count(*) / 2 FROM erp.erp_audit_events AS x
                         WHERE x.tenant_id = t.id) LIMIT 1) AS after_id
            FROM (SELECT row_number() OVER (ORDER BY id) AS n, id FROM erp.erp_tenants) AS t""")
        c.execute("ALTER TABLE bench.hist_entities ADD PRIMARY KEY (n)")
        c.execute("ALTER TABLE bench.page_marks ADD PRIMARY KEY (n)")
        c.execute("ANALYZE bench.hist_entities, bench.page_marks")
    return written[0]
