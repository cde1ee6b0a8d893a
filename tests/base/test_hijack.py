"""A caller cannot divert or suppress an audit write.

The public functions are SECURITY DEFINER with ``search_path = pg_catalog, pg_temp`` and
schema-qualify every name, so objects a caller creates under the names the functions use
(TEMP tables and functions, a schema of look-alike functions and operators put first on the
search_path) are never reached: every write still lands in erp.erp_sequences and
erp.erp_audit_events, and a rollback takes the row and its event together.
Each test first proves that its trap works on the caller's own SQL."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.conftest import sequence_snapshot

TEMP_OBJECTS = """
CREATE TEMP TABLE erp_audit_events (tenant_id uuid, id uuid, actor_user_id uuid, actor_type text,
    entity_type text, entity_id uuid, event_type text, trace_id text, payload jsonb,
    entity_version bigint, changes jsonb, created_at timestamptz);
CREATE TEMP TABLE erp_sequences (tenant_id uuid, id uuid, code text, name text);
CREATE TEMP TABLE erp_tenants (id uuid, name text, timezone text, active boolean);
CREATE TEMP TABLE entity_types (entity_type text, table_name text);
CREATE TEMP TABLE erp_sequence_counters (tenant_id uuid, sequence_id uuid, period_key text);
CREATE TEMP VIEW jsonb_each AS SELECT 'hijacked'::text AS key, '{}'::jsonb AS value;
CREATE FUNCTION pg_temp._audit_append(uuid, uuid, text, text, text, uuid, text, bigint, jsonb,
    jsonb) RETURNS void LANGUAGE sql AS 'SELECT NULL::void';
CREATE FUNCTION pg_temp.uuid_v7() RETURNS uuid LANGUAGE sql
    AS 'SELECT ''00000000-0000-0000-0000-000000000000''::uuid';
CREATE FUNCTION pg_temp._context_check(uuid, uuid, text, text) RETURNS void LANGUAGE sql
    AS 'SELECT NULL::void';
"""

# a schema of look-alikes; with it first on the search_path an unpinned function would call them
TRAP_SCHEMA = """
CREATE SCHEMA trap;
GRANT USAGE ON SCHEMA trap TO PUBLIC;
CREATE FUNCTION trap.clock_timestamp() RETURNS timestamptz LANGUAGE sql
    AS 'SELECT ''2000-01-01 00:00:00+00''::timestamptz';
CREATE FUNCTION trap.now() RETURNS timestamptz LANGUAGE sql
    AS 'SELECT ''2000-01-01 00:00:00+00''::timestamptz';
CREATE FUNCTION trap.to_jsonb(erp.erp_sequences) RETURNS jsonb LANGUAGE sql
    AS 'SELECT ''{"hijacked": true}''::jsonb';
CREATE FUNCTION trap.btrim(text) RETURNS text LANGUAGE sql AS 'SELECT ''hijacked''';
CREATE FUNCTION trap.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR trap.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = trap.uuid_eq);
CREATE FUNCTION trap.texteq(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR trap.= (LEFTARG = text, RIGHTARG = text, FUNCTION = trap.texteq);
CREATE TABLE trap.erp_audit_events (LIKE erp.erp_audit_events);
GRANT ALL ON trap.erp_audit_events TO PUBLIC;
"""

CTX = (None, "SYSTEM", "hijack")


def _events(conn: psycopg.Connection, tenant: uuid.UUID) -> list[tuple]:
    return conn.execute(
        "SELECT e.entity_id, e.event_type, e.entity_version, e.payload, e.created_at"
        " FROM erp.erp_audit_events AS e WHERE e.tenant_id = %s AND e.trace_id = 'hijack'"
        " ORDER BY e.created_at, e.id",
        (tenant,),
    ).fetchall()


def _assert_sound(conn: psycopg.Connection, tenant: uuid.UUID, seq_id: uuid.UUID) -> None:
    """The sequence row and its trail are the real ones and consistent."""
    row = sequence_snapshot(conn, tenant, seq_id)
    events = _events(conn, tenant)
    kinds = [(e[1], e[2]) for e in events if e[0] == seq_id]
    assert kinds == [
        ("erp.base.sequence.created", 1),
        ("erp.base.sequence.updated", 2),
        ("erp.base.sequence.allocated", None),
    ]
    definition = [e for e in events if e[0] == seq_id and e[2] is not None]
    assert definition[-1][3] == row
    assert all("hijacked" not in e[3] for e in events)
    assert all(e[4].year > 2000 for e in events)
    assert row["name"] == "Renamed" and row["code_key"] == "inv"
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0


def _write_as_app(dsn: str, tenant: uuid.UUID, setup: str | None, search_path: str) -> uuid.UUID:
    """As erp_app with the trap in place: create, update and number a sequence."""
    with psycopg.connect(dsn, autocommit=True) as app:
        app.execute("SET ROLE erp_app")
        if setup:
            app.execute(setup)
        app.execute(f"SET search_path = {search_path}")
        seq = app.execute(
            "SELECT (erp.sequence_create(%s, %s, %s, %s, ' INV ', 'Invoices')).id",
            (tenant, *CTX),
        ).fetchone()[0]
        app.execute("SELECT erp.sequence_update(%s, %s, %s, %s, %s, '{\"name\": \"Renamed\"}')",
                    (tenant, *CTX, seq))
        number = app.execute(
            "SELECT n.formatted FROM erp.sequence_next(%s, %s, %s, %s, 'inv') AS n",
            (tenant, *CTX),
        ).fetchone()[0]
        assert number == "00001"
        if setup:
            for table in ("erp_audit_events", "erp_sequences", "erp_tenants"):
                count = app.execute(f"SELECT count(*) FROM pg_temp.{table}").fetchone()[0]
                assert count == 0, f"a write reached the caller's TEMP table {table}"
    return seq


def test_temp_objects_named_like_internals_are_never_used(conn, dsn, tenant):
    with psycopg.connect(dsn, autocommit=True) as probe:
        probe.execute("SET ROLE erp_app")
        probe.execute(TEMP_OBJECTS)
        probe.execute("SET search_path = pg_temp, erp, pg_catalog")
        # the trap works on the caller's own SQL: unqualified names find the TEMP objects
        assert probe.execute("SELECT count(*) FROM erp_audit_events").fetchone()[0] == 0
        assert probe.execute("SELECT key FROM jsonb_each").fetchone()[0] == "hijacked"
    seq = _write_as_app(dsn, tenant, TEMP_OBJECTS, "pg_temp, erp, pg_catalog")
    _assert_sound(conn, tenant, seq)


def test_lookalike_functions_and_operators_first_on_the_path_are_never_used(conn, dsn, tenant):
    conn.execute(TRAP_SCHEMA)
    with psycopg.connect(dsn, autocommit=True) as probe:
        probe.execute("SET ROLE erp_app")
        probe.execute("SET search_path = trap, pg_catalog, pg_temp")
        # the trap works on the caller's own SQL
        assert probe.execute("SELECT clock_timestamp()").fetchone()[0].year == 2000
        assert probe.execute(
            "SELECT '00000000-0000-0000-0000-000000000001'::uuid"
            " = '00000000-0000-0000-0000-000000000002'::uuid"
        ).fetchone()[0] is True
        assert probe.execute("SELECT btrim(' x ')").fetchone()[0] == "hijacked"
    seq = _write_as_app(dsn, tenant, None, "trap, pg_catalog, pg_temp")
    _assert_sound(conn, tenant, seq)
    assert conn.execute("SELECT count(*) FROM trap.erp_audit_events").fetchone()[0] == 0


def test_generic_writers_ignore_a_hijacked_session(conn, tenant):
    """Module authors call the generic writers; a poisoned session does not reach them."""
    conn.execute(TRAP_SCHEMA)
    conn.execute(TEMP_OBJECTS)
    conn.execute("SET search_path = trap, pg_temp, pg_catalog")
    assert conn.execute("SELECT now()").fetchone()[0].year == 2000  # the trap is live
    rows = conn.execute(
        "SELECT erp.atomic_insert_many_with_audit(%s, %s, %s, %s, 'erp.base.sequence',"
        " '[{\"code\": \"A\", \"name\": \"a\"}, {\"code\": \"B\", \"name\": \"b\"}]')",
        (tenant, *CTX),
    ).fetchall()
    first = rows[0][0]
    assert "hijacked" not in first and first["code_key"] in ("a", "b")
    updated = conn.execute(
        "SELECT erp.atomic_update_with_audit(%s, %s, %s, %s, 'erp.base.sequence', %s,"
        " '{\"name\": \"changed\"}')",
        (tenant, *CTX, first["id"]),
    ).fetchone()[0]
    assert updated["version"] == 2 and updated["name"] == "changed"
    archived = conn.execute(
        "SELECT erp.atomic_update_with_audit(%s, %s, %s, %s, 'erp.base.sequence', %s, NULL, 2,"
        " 'archived')",
        (tenant, *CTX, first["id"]),
    ).fetchone()[0]
    assert archived["active"] is False
    conn.execute("SET search_path = pg_catalog")
    events = _events(conn, tenant)
    assert [(e[1], e[2]) for e in events if e[0] == uuid.UUID(first["id"])] == [
        ("erp.base.sequence.created", 1),
        ("erp.base.sequence.updated", 2),
        ("erp.base.sequence.archived", 3),
    ]
    assert len(events) == 4
    assert conn.execute("SELECT count(*) FROM pg_temp.erp_audit_events").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM trap.erp_audit_events").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0


def test_a_rollback_takes_the_row_and_its_event_together(conn, dsn, tenant):
    seq = conn.execute(
        "SELECT (erp.sequence_create(%s, %s, %s, %s, 'INV', 'Invoices')).id", (tenant, *CTX)
    ).fetchone()[0]
    before = conn.execute(
        "SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s", (tenant,)
    ).fetchone()[0]
    with psycopg.connect(dsn) as app:
        app.execute("SET ROLE erp_app")
        with pytest.raises(psycopg.Error) as caught, app.transaction():
            app.execute("SELECT erp.sequence_update(%s, %s, %s, %s, %s, '{\"name\": \"Gone\"}')",
                        (tenant, *CTX, seq))
            # the caller tries to drop the event but keep the change: it has no way in
            app.execute("DELETE FROM erp.erp_audit_events WHERE trace_id = 'hijack'")
        assert caught.value.sqlstate == "42501"
    row = conn.execute(
        "SELECT name, version FROM erp.erp_sequences WHERE id = %s", (seq,)
    ).fetchone()
    assert row == ("Invoices", 1)
    after = conn.execute(
        "SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s", (tenant,)
    ).fetchone()[0]
    assert after == before
