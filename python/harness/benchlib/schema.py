"""The benchmark's own data: tenants, sequences and master data created through the project,
the raw baseline tables in schema ``bench``, a module author's document entity, and a
realistic audit trail of up to 10M events over 24 monthly partitions.

Baseline tables are clones of the project's tables (``LIKE … INCLUDING ALL`` copies columns,
generated columns, defaults, CHECK constraints and every index, including the partial
unique ones; the foreign keys are re-added pointing at the same parent tables), so a bare
INSERT into ``bench.uoms`` does exactly the storage work of an INSERT into ``erp.erp_uoms``,
and the difference measured is the project's validation and audit.

The audit trail is partitioned (by month, on its UUIDv7 id), and ``LIKE`` of a partitioned
table gives a plain table. The raw baselines that write events (the handoff CTEs, the trigger
peers, the counter-upsert CTE) write into ``bench.audit_events`` / ``bench.audit_trg``:
clones that are partitioned like ``erp.erp_audit_events`` (same columns, defaults, checks and
indexes, monthly partitions with the same bounds, a default partition), so they pay the same
tuple routing and index work as the project's writes, and only that. They do not write into
the real trail itself: its events would then mix with the project's (feed, seal, reads) and
its row-level security and triggers are the project's own cost, not the bound's. A plain
clone, ``bench.audit_plain``, serves one extra case that shows what partitioning costs.

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


def _clone_table(conn: psycopg.Connection, source: str, target: str,
                 clones: dict[str, str] | None = None) -> None:
    """``bench.<target>`` shaped exactly like ``erp.<source>``, foreign keys included (those to
    itself and to the tables of ``clones``, ``{erp table: bench table}``, point at the clones)."""
    conn.execute(f"CREATE TABLE bench.{target} (LIKE erp.{source} INCLUDING ALL)")
    conn.execute("SET search_path = pg_catalog")  # constraint defs come out schema-qualified
    defs = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        (f"erp.{source}",)).fetchall()
    conn.execute("RESET search_path")
    for name, definition in defs:
        for old, new in {source: target, **(clones or {})}.items():
            definition = definition.replace(f"REFERENCES erp.{old}(", f"REFERENCES bench.{new}(")
        conn.execute(f"ALTER TABLE bench.{target} ADD CONSTRAINT {target}_{name} {definition}")


def _clone_audit(conn: psycopg.Connection, target: str, partitioned: bool = True) -> None:
    """``bench.<target>`` with the columns, defaults, checks and indexes of the audit trail;
    partitioned like it (monthly ranges of id from the previous month to two months ahead,
    and a default partition) unless ``partitioned`` is False (``LIKE`` alone: a plain table)."""
    like = f"CREATE TABLE bench.{target} (LIKE erp.erp_audit_events INCLUDING ALL)"
    if not partitioned:
        conn.execute(like)
        return
    conn.execute(like + " PARTITION BY RANGE (id)")
    months = conn.execute(
        "SELECT m::date, erp._audit_bound(m::date),"
        " erp._audit_bound((m + interval '1 month')::date)"
        " FROM generate_series(date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month',"
        " date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months', interval '1 month')"
        " AS m").fetchall()
    for month, lo, hi in months:
        conn.execute(f"CREATE TABLE bench.{target}_p{month:%Y_%m} PARTITION OF bench.{target} "
                     f"FOR VALUES FROM ('{lo}') TO ('{hi}')")
    conn.execute(f"CREATE TABLE bench.{target}_default PARTITION OF bench.{target} DEFAULT")


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
CREATE TRIGGER audit AFTER INSERT ON bench.uom_categories_trg
FOR EACH ROW EXECUTE FUNCTION bench.audit_trigger('erp.base.uom_category');

-- N audited writes in one transaction: the project's call and the trigger peer's single-row
-- INSERT, each N times from the same kind of PL/pgSQL loop (no subtransaction in either)
CREATE FUNCTION bench.categories_project(p_tenant uuid, p_actor uuid, p_prefix text,
    p_n integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
BEGIN
    FOR i IN 1..p_n LOOP
        PERFORM erp.uom_category_create(p_tenant, p_actor, 'USER', 'bench', p_prefix || '-' || i,
            'Category ' || p_prefix || '-' || i);
    END LOOP;
    RETURN p_n;
END
$fn$;
CREATE FUNCTION bench.categories_trigger(p_tenant uuid, p_prefix text, p_n integer)
RETURNS integer
LANGUAGE plpgsql AS $fn$
BEGIN
    FOR i IN 1..p_n LOOP
        INSERT INTO bench.uom_categories_trg (tenant_id, id, code, name)
        VALUES (p_tenant, erp.uuid_v7(), p_prefix || '-' || i, 'Category ' || p_prefix || '-' || i);
    END LOOP;
    RETURN p_n;
END
$fn$;
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
-- the lines of the module author's documents (below): a plain table of the module
CREATE TABLE bench.document_lines (
    tenant_id uuid NOT NULL,
    document_id uuid NOT NULL,
    line_no integer NOT NULL,
    product_id uuid NOT NULL,
    description text,
    qty numeric NOT NULL,
    price numeric NOT NULL,
    PRIMARY KEY (tenant_id, document_id, line_no),
    FOREIGN KEY (tenant_id, document_id) REFERENCES erp.erp_bench_documents (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES erp.erp_products (tenant_id, id)
);
"""

# A document entity added the way a module author adds one (DESIGN "Module authors"): its
# table with tenant-first keys and the standard columns, row-level security, the registry
# row, the fields its constraints are about, and the generated writers.
MODULE_DOCUMENTS_SQL = """
SET LOCAL ROLE erp_owner;
CREATE TABLE erp.erp_bench_documents (
    tenant_id uuid NOT NULL REFERENCES erp.erp_tenants (id),
    id uuid NOT NULL,
    number text,
    partner_id uuid NOT NULL,
    total numeric NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number)
);
ALTER TABLE erp.erp_bench_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_bench_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_bench_documents_owner ON erp.erp_bench_documents TO erp_owner
USING (true) WITH CHECK (true);
INSERT INTO erp_meta.entity_types (entity_type, table_name, writer_prefix, readonly_columns)
VALUES ('bench.documents', 'erp_bench_documents', 'bench_documents', '{}');
INSERT INTO erp_meta.constraint_fields (table_name, constraint_name, field) VALUES
('erp_bench_documents', 'erp_bench_documents_pkey', 'id'),
('erp_bench_documents', 'erp_bench_documents_tenant_id_fkey', 'tenant'),
('erp_bench_documents', 'erp_bench_documents_tenant_id_number_key', 'number');
SELECT erp_meta.regenerate_writers();
"""
DOCUMENT_SEQUENCE = "DOC"  # the one series every numbers-at-commit posting draws from


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

    log("baseline tables in schema bench (clones of the erp tables, same indexes and keys; "
        "audit clones partitioned like the trail)")
    for source, target in [("erp_uoms", "uoms"), ("erp_uoms", "uoms_trg"),
                           ("erp_uom_categories", "uom_categories_trg"),
                           ("erp_products", "products"), ("erp_products", "products_trg"),
                           ("erp_partners", "partners"), ("erp_partners", "partners_trg"),
                           ("erp_sequence_counters", "counters")]:
        _clone_table(conn, source, target)
    _clone_audit(conn, "audit_events")
    _clone_audit(conn, "audit_trg")
    _clone_audit(conn, "audit_plain", partitioned=False)
    # the raw counters need no sequence definition (the counters' foreign key is gone since 0.3.0)
    conn.execute("ALTER TABLE bench.counters "
                 "DROP CONSTRAINT IF EXISTS counters_erp_sequence_counters_sequence_fkey")
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

    log("a module author's document entity bench.documents (erp.erp_bench_documents, "
        f"registered, writers generated) and its one series {DOCUMENT_SEQUENCE}/{{YYYY}}/")
    with conn.transaction():
        conn.execute(MODULE_DOCUMENTS_SQL)
    conn.execute(
        "SELECT erp.sequence_create(p_tenant_id => %s, p_actor_user_id => %s, "
        "p_actor_type => 'USER', p_trace_id => 'bench-setup', p_code => %s, "
        "p_name => 'Bench documents', p_prefix => %s, p_padding => 6, p_reset => 'yearly')",
        (t1, ACTOR, DOCUMENT_SEQUENCE, f"{DOCUMENT_SEQUENCE}/{{YYYY}}/"))
    conn.execute(DOCUMENT_SQL)
    for key, value in (("actor_user_id", ACTOR), ("actor_type", "USER"), ("trace_id", "bench")):
        conn.execute(f"ALTER DATABASE \"{dbname}\" SET bench.{key} = '{value}'")
    conn.execute("VACUUM ANALYZE")
    return {"tenant": t1, "actor": ACTOR, "seq": SEQ_ID, "partner": did("partner", 1),
            "product": did("product", 1), "uom": did("uom", 1)}


# ---- a realistic audit trail: up to 10M events over 24 monthly partitions ---------------------
EVENTS_PER_ENTITY = 30  # on average: 5 to 55 events per entity


def audit_months(conn: psycopg.Connection, months: int) -> list:
    """The ``months`` UTC months that end with the current one, oldest first."""
    return [r[0] for r in conn.execute(
        "SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') - g.i * interval '1 month')::date"
        " FROM generate_series(%s - 1, 0, -1) AS g (i)", (months,))]


def create_partitions(conn: psycopg.Connection, months: list) -> int:
    """Each month's partition of the trail that does not exist yet, made by the project's own
    function as the owner (as erp.audit_maintain makes them); returns how many it made."""
    made = 0
    for month in months:
        name = f"erp.erp_audit_events_p{month:%Y_%m}"
        if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is None:
            with conn.transaction():
                conn.execute("SET LOCAL ROLE erp_owner")
                conn.execute("SELECT erp._audit_create_partition(%s)", (month,))
            made += 1
    return made


# Every generated entity: its type and id, how many events it has (5..55) and when they
# happened: the first at ``created``, then every ``gap``; its history covers 5 % to 100 % of
# the whole span, so a history crosses up to all the months.
ENTITIES_SQL = """
CREATE TABLE bench.gen_entities AS
SELECT t.n AS tenant_n, t.id AS tenant_id, e.e, md5(t.id::text || '/' || e.e)::uuid AS entity_id,
    (ARRAY['erp.base.product', 'erp.base.partner', 'erp.base.product', 'erp.base.uom',
        'erp.base.partner'])[1 + e.e %% 5] AS entity_type,
    v.versions, v.gap,
    %(start)s::timestamptz + random() * (%(span)s::interval - v.gap * (v.versions - 1)) AS created
FROM (SELECT row_number() OVER (ORDER BY id) AS n, id FROM erp.erp_tenants) AS t
CROSS JOIN generate_series(1, %(entities)s) AS e (e)
CROSS JOIN LATERAL (
    SELECT x.versions, %(span)s::interval * (0.05 + 0.95 * random()) / x.versions AS gap
    FROM (SELECT 5 + floor(random() * 51)::integer + 0 * e.e AS versions) AS x
) AS v
WHERE t.n <= %(tenants)s
"""

EVENTS_SQL = """
INSERT INTO erp.erp_audit_events (tenant_id, id, actor_user_id, actor_type, entity_type,
    entity_id, event_type, trace_id, payload, entity_version, changes, created_at)
SELECT g.tenant_id, erp._uuid_v7_at(x.ts), %(actor)s::uuid, 'USER', g.entity_type, g.entity_id,
    g.entity_type || CASE WHEN v.v = 1 THEN '.created' ELSE '.updated' END,
    'import-' || g.e || '-' || v.v,
    jsonb_build_object('id', g.entity_id, 'tenant_id', g.tenant_id, 'code', 'C-' || g.e,
        'name', 'Entity ' || g.e || ' rev ' || v.v, 'list_price', (g.e %% 1000) + 0.99,
        'active', true, 'version', v.v, 'created_at', g.created, 'updated_at', x.ts),
    v.v,
    CASE WHEN v.v > 1 THEN jsonb_build_object('name', jsonb_build_object(
        'old', 'Entity ' || g.e || ' rev ' || (v.v - 1), 'new', 'Entity ' || g.e || ' rev ' || v.v))
    END,
    x.ts
FROM bench.gen_entities AS g
CROSS JOIN LATERAL generate_series(1, g.versions) AS v (v)
CROSS JOIN LATERAL (SELECT g.created + (v.v - 1) * g.gap AS ts) AS x
WHERE g.tenant_n = %(tenant)s AND g.e BETWEEN %(lo)s AND %(hi)s
ORDER BY x.ts
"""


def generate_events(url: str, total: int, months: int,
                    progress: Callable[[int], None]) -> dict:
    """About ``total`` events over the 64 tenants and the last ``months`` UTC months: the
    month partitions are created first (erp._audit_create_partition, as the owner), then
    entities with 5 to 55 events each (30 on average: created, then updates) whose history
    spans from a few weeks to all the months, bulk-inserted in time order by two connections
    with ids erp._uuid_v7_at(created_at). Then VACUUM ANALYZE, and the read targets:
    1000 random entities (``bench.hist_entities``, with a time inside each one's history for
    entity_as_of) and per tenant the first event of the middle month (``bench.page_marks``,
    a keyset page deep in the history)."""
    entities = max(1, round(total / (TENANTS * EVENTS_PER_ENTITY)))
    with psycopg.connect(url, autocommit=True) as c:
        month_list = audit_months(c, months)
        made = create_partitions(c, month_list)
        start = month_list[0]
        span = c.execute("SELECT now() - interval '1 hour' - %s::timestamptz",
                         (start,)).fetchone()[0]
        c.execute(ENTITIES_SQL, {"start": start, "span": span, "entities": entities,
                                 "tenants": TENANTS})
        c.execute("CREATE INDEX ON bench.gen_entities (tenant_n, e)")
    written = [0]
    lock = threading.Lock()
    chunk = 2000  # entities per statement (~60k events): progress, and no giant transaction
    jobs = [(t, lo, min(lo + chunk - 1, entities)) for t in range(1, TENANTS + 1)
            for lo in range(1, entities + 1, chunk)]

    def worker(mine: list) -> None:
        with psycopg.connect(url, autocommit=True) as c:
            for tenant, lo, hi in mine:
                cur = c.execute(EVENTS_SQL, {"actor": ACTOR, "tenant": tenant, "lo": lo,
                                             "hi": hi})
                with lock:
                    written[0] += cur.rowcount
                    progress(cur.rowcount)

    threads = [threading.Thread(target=worker, args=(jobs[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("VACUUM ANALYZE erp.erp_audit_events")
        c.execute("""
            CREATE TABLE bench.hist_entities AS
            SELECT row_number() OVER () AS n, s.tenant_id, s.entity_type, s.entity_id,
                s.versions, s.created + s.gap * (s.versions / 2) + s.gap / 2 AS as_of,
                s.versions / 2 + 1 AS as_of_version
            FROM (SELECT g.* FROM bench.gen_entities AS g ORDER BY random() LIMIT 1000) AS s""")
        mid = month_list[len(month_list) // 2]
        c.execute("""
            CREATE TABLE bench.page_marks AS
            SELECT t.n, t.id AS tenant_id,
                (SELECT e.id FROM erp.erp_audit_events AS e
                 WHERE e.tenant_id = t.id AND e.id >= erp._audit_bound(%s)
                 ORDER BY e.id LIMIT 1) AS after_id
            FROM (SELECT row_number() OVER (ORDER BY id) AS n, id FROM erp.erp_tenants) AS t""",
                  (mid,))
        c.execute("ALTER TABLE bench.hist_entities ADD PRIMARY KEY (n)")
        c.execute("ALTER TABLE bench.page_marks ADD PRIMARY KEY (n)")
        c.execute("ANALYZE bench.hist_entities, bench.page_marks")
        partitions = c.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'erp.erp_audit_events'::regclass"
        ).fetchone()[0]
    return {"written": written[0], "entities": entities * TENANTS, "months": months,
            "first_month": str(month_list[0]), "partitions_created": made,
            "partitions": partitions}


def check_history(url: str, samples: int = 50) -> dict:
    """Time travel and history across partitions, checked on sample entities: audit_history
    returns every event of the entity (in version order, across its months) and
    entity_as_of the version in force at a time inside the history."""
    with psycopg.connect(url, autocommit=True) as c:
        rows = c.execute("""
            SELECT h.versions,
                (SELECT count(*) FROM erp.audit_history(h.tenant_id, h.entity_type, h.entity_id)),
                (SELECT array_agg(a.entity_version ORDER BY a.id) = array_agg(a.entity_version
                     ORDER BY a.entity_version)
                 FROM erp.audit_history(h.tenant_id, h.entity_type, h.entity_id) AS a),
                (SELECT count(DISTINCT erp._audit_month(a.id))
                 FROM erp.audit_history(h.tenant_id, h.entity_type, h.entity_id) AS a),
                (erp.entity_as_of(h.tenant_id, h.entity_type, h.entity_id, h.as_of)
                     ->> 'version')::bigint = h.as_of_version
            FROM bench.hist_entities AS h WHERE h.n <= %s""", (samples,)).fetchall()
    complete = sum(1 for versions, got, ordered, _m, _a in rows if versions == got and ordered)
    as_of_ok = sum(1 for *_rest, ok in rows if ok)
    return {"entities": len(rows), "history_complete": complete, "as_of_right": as_of_ok,
            "months_spanned_avg": round(sum(r[3] for r in rows) / max(1, len(rows)), 1),
            "months_spanned_max": max((r[3] for r in rows), default=0)}
