"""A real migration that changes an entity table, applied to an installed database with data:
audit_verify stays clean before and after later updates, and the migration's data change goes
through the audited writers (actor SYSTEM, trace id = the migration's file name), so the trail
explains every value. The rule (README, "Running it for years"):

* adding a column is fine: rows written before keep no value for it in their snapshots, and
  the column must hold its default (or NULL) until the row is next written;
* a migration that changes entity data calls erp_meta.regenerate_writers() after its DDL and
  writes through erp.atomic_update_with_audit / atomic_insert_with_audit (or the entity
  functions), never with a bare UPDATE."""

from __future__ import annotations

import psycopg
import pytest

from erp_ops import migrate
from tests.conftest import new_tenant

MIGRATION = """-- partners get notes and a rating; every company gets a first note
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

ALTER TABLE erp.erp_partners ADD COLUMN notes text;
ALTER TABLE erp.erp_partners ADD COLUMN rating integer NOT NULL DEFAULT 3;
ALTER TABLE erp.erp_partners
ADD CONSTRAINT erp_partners_rating_check CHECK (rating BETWEEN 1 AND 5);
INSERT INTO erp_meta.constraint_fields (table_name, constraint_name, field)
VALUES ('erp_partners', 'erp_partners_rating_check', 'rating');

-- a data migration writes through the audited writers: the trail explains the new value
SELECT erp_meta.regenerate_writers();
SELECT erp.atomic_update_with_audit(p.tenant_id, NULL, 'SYSTEM', '{name}', 'erp.base.partner',
    p.id, '{{"notes": "migrated"}}')
FROM erp.erp_partners AS p WHERE p.kind = 'company';
"""


def verify(conn: psycopg.Connection, tenant) -> list[tuple]:
    return conn.execute("SELECT problem, detail FROM erp.audit_verify(%s)", (tenant,)).fetchall()


def test_adding_columns_and_migrating_data_keeps_verify_clean(conn, dsn, sql_copy):
    tenant = new_tenant(conn, "Before")
    create = "SELECT id FROM erp.partner_create(%s, NULL, 'SYSTEM', 't', %s, %s, %s, %s)"
    acme = conn.execute(create, (tenant, "ACME", "Acme", "company", None)).fetchone()[0]
    jane = conn.execute(create, (tenant, "JANE", "Jane", "person", acme)).fetchone()[0]
    conn.execute("SELECT erp.partner_update(%s, NULL, 'SYSTEM', 't', %s, %s::jsonb)",
                 (tenant, acme, '{"name": "Acme Co"}'))
    assert verify(conn, tenant) == []

    name = "0099_partner_notes.sql"
    (sql_copy / "schema" / name).write_text(MIGRATION.format(name=name))
    assert migrate.migrate(dsn, log=lambda *_: None, sql_dir=sql_copy) == [name]

    # before any later write: the new columns hold their defaults, the old snapshots lack them
    assert verify(conn, tenant) == []
    data = conn.execute(
        "SELECT e.actor_type, e.trace_id, e.entity_version, e.changes"
        " FROM erp.erp_audit_events AS e WHERE e.entity_id = %s"
        " ORDER BY e.entity_version DESC LIMIT 1", (acme,)).fetchone()
    assert data == ("SYSTEM", name, 3, {"notes": {"old": None, "new": "migrated"}})
    # Jane is a person: untouched by the data migration, no event, still verified
    assert conn.execute("SELECT count(*) FROM erp.erp_audit_events WHERE entity_id = %s",
                        (jane,)).fetchone()[0] == 1

    # later writes, through the entity function and the generic writer, old rows and new
    conn.execute("SELECT erp.partner_update(%s, NULL, 'SYSTEM', 't', %s, '{\"rating\": 5}')",
                 (tenant, jane))
    conn.execute("SELECT erp.partner_update(%s, NULL, 'SYSTEM', 't', %s, '{\"phone\": \"+1 5\"}')",
                 (tenant, acme))
    conn.execute("SELECT erp.partner_create(%s, NULL, 'SYSTEM', 't', 'NEW', 'New')", (tenant,))
    assert verify(conn, tenant) == []
    changes = conn.execute(
        "SELECT e.changes FROM erp.erp_audit_events AS e WHERE e.entity_id = %s"
        " ORDER BY e.entity_version DESC LIMIT 1", (jane,)).fetchone()[0]
    assert changes == {"rating": {"old": 3, "new": 5}}
    with pytest.raises(psycopg.Error) as err:
        conn.execute("SELECT erp.atomic_update_with_audit(%s, NULL, 'SYSTEM', 't',"
                     " 'erp.base.partner', %s, '{\"rating\": 9}')", (tenant, jane))
    assert err.value.sqlstate == "ZE003" and "rating" in str(err.value)

    # a value changed behind the trail in a new column is still found, and named
    other = new_tenant(conn, "After")
    bob = conn.execute("SELECT id FROM erp.partner_create(%s, NULL, 'SYSTEM', 't', 'BOB', 'Bob')",
                       (other,)).fetchone()[0]
    conn.execute("UPDATE erp.erp_partners SET rating = 1 WHERE id = %s", (bob,))
    problems = verify(conn, other)
    assert [p[0] for p in problems] == ["snapshot_mismatch"]
    assert problems[0][1]["fields"]["rating"] == {"row": 1, "event": 3, "in_event": True}


def test_a_new_column_that_does_not_hold_its_default_is_reported(conn, dsn, sql_copy):
    """Rows with no event since a column was added must hold its default: a value that appeared
    there without an event is a change the trail cannot explain."""
    tenant = new_tenant(conn, "Silent")
    pid = conn.execute("SELECT id FROM erp.partner_create(%s, NULL, 'SYSTEM', 't', 'P', 'P',"
                       " 'person')", (tenant,)).fetchone()[0]  # the data migration skips persons
    name = "0099_partner_notes.sql"
    (sql_copy / "schema" / name).write_text(MIGRATION.format(name=name))
    migrate.migrate(dsn, log=lambda *_: None, sql_dir=sql_copy)
    conn.execute("UPDATE erp.erp_partners SET rating = 4 WHERE id = %s", (pid,))
    problems = verify(conn, tenant)
    assert [p[0] for p in problems] == ["snapshot_mismatch"]
    assert problems[0][1]["fields"]["rating"] == {"row": 4, "event": None, "in_event": False}
