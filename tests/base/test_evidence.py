"""The records the checks trust are evidence too.

* The purge ledger, the archive ledger and the eras refuse UPDATE, DELETE and TRUNCATE for
  every role, the owner and a superuser included, also with ``session_replication_role =
  replica`` (ZE007, nothing changed); row-level security is forced on them.
* A forged purge record hides nothing: with the current month's partition dropped behind the
  trail's back, ``audit_seal_verify`` and ``audit_verify`` report the same problems with and
  without a ledger row for that month (or for a far-future month): a month counts as purged
  only when the tenant's own ``erp.base.audit.purged`` event names it.
* The witness: ``audit_seal_verify(p_tenant_id, p_expected_head)`` reports ``witness_mismatch``
  when the chain does not contain a head handed out earlier (a re-sealed chain), and a
  malformed head is ZE003.
* An event whose xact_id lies beyond the transaction counter (written with a forged xact_id)
  is reported by seal verification and audit_verify (``restore_not_recorded``); feed and seal
  refuse (ZE009).
"""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
import pytest

from tests.conftest import new_tenant

LEDGERS = ("erp_meta.audit_purges", "erp_meta.audit_archives", "erp_meta.audit_eras")


def ledger_rows(conn: psycopg.Connection) -> None:
    """One row in each ledger (as superuser), as the functions would have written them."""
    conn.execute(
        "INSERT INTO erp_meta.audit_purges (month, partition_name, events, sha256)"
        " VALUES ('2015-03-01', 'erp.erp_audit_events_p2015_03', 0, repeat('0', 64))"
    )
    conn.execute(
        "INSERT INTO erp_meta.audit_archives (month, events, sha256, location, actor_type)"
        " VALUES ('2015-03-01', 0, repeat('0', 64), '/x', 'SYSTEM')"
    )
    conn.execute(
        "INSERT INTO erp_meta.audit_eras (era, after_id, xact_floor, xact_at_record, actor_type)"
        " VALUES (1, '00000000-0000-0000-0000-000000000001', '5', '5', 'SYSTEM')"
    )


@pytest.mark.parametrize("table", LEDGERS)
@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET recorded = recorded", "DELETE FROM {t}", "TRUNCATE {t}"]
)
@pytest.mark.parametrize("replica", [False, True])
@pytest.mark.parametrize("role", ["postgres", "erp_owner"])
def test_the_ledgers_are_immutable(conn, table, statement, replica, role):
    ledger_rows(conn)
    column = {
        "erp_meta.audit_purges": "events",
        "erp_meta.audit_archives": "events",
        "erp_meta.audit_eras": "era",
    }[table]
    before = conn.execute(f"SELECT count(*), sum({column}) FROM {table}").fetchone()  # noqa: S608
    with conn.transaction():
        if replica:
            conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(f"SET LOCAL ROLE {role}")
        with pytest.raises(psycopg.Error) as info:
            conn.execute(statement.format(t=table).replace("recorded", column))
        assert info.value.sqlstate == "ZE007"
    assert conn.execute(f"SELECT count(*), sum({column}) FROM {table}").fetchone() == before  # noqa: S608


def test_the_ledgers_force_row_level_security(conn):
    rows = conn.execute(
        "SELECT c.oid::regclass::text, c.relrowsecurity, c.relforcerowsecurity"
        " FROM pg_class AS c WHERE c.oid = ANY (%s::regclass[]) ORDER BY 1",
        (list(LEDGERS),),
    ).fetchall()
    assert sorted(rows) == sorted((t, True, True) for t in LEDGERS)


def sealed_tenant(conn: psycopg.Connection) -> uuid.UUID:
    tenant = new_tenant(conn)
    for n in range(6):
        conn.execute(
            "SELECT erp.uom_category_create(%s, NULL, 'SYSTEM', 't', %s, 'C')", (tenant, f"C{n}")
        )
    conn.execute("SELECT * FROM erp.audit_seal(%s)", (tenant,))
    return tenant


def problems(conn: psycopg.Connection, tenant: uuid.UUID) -> tuple[list, list]:
    seal = sorted(
        r[0] for r in conn.execute("SELECT problem FROM erp.audit_seal_verify(%s)", (tenant,))
    )
    verify = sorted(
        (r[0], str(r[1]), r[2])
        for r in conn.execute(
            "SELECT entity_type, entity_id, problem FROM erp.audit_verify(%s)", (tenant,)
        )
    )
    return seal, verify


@pytest.mark.parametrize("forged_month", ["current", "2999-01-01"])
def test_a_forged_purge_record_hides_no_deleted_event(conn, forged_month):
    tenant = sealed_tenant(conn)
    month, part = conn.execute(
        "SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date, e.tableoid::regclass::text"
        " FROM erp.erp_audit_events AS e WHERE e.tenant_id = %s LIMIT 1",
        (tenant,),
    ).fetchone()
    events = conn.execute(
        "SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s", (tenant,)
    ).fetchone()[0]
    assert events == 7
    conn.execute(f"DROP TABLE {part}")
    dropped = problems(conn, tenant)
    assert dropped[0] == ["deleted_event"] * 7
    assert dropped[1]  # rows without events
    conn.execute(
        "INSERT INTO erp_meta.audit_purges (month, partition_name, events, sha256)"
        " VALUES (%s, %s, 7, repeat('0', 64))",
        (month if forged_month == "current" else forged_month, part),
    )
    forged = problems(conn, tenant)
    # the deleted events stay reported; the ledger row itself is reported when it names a
    # month of the tenant's blocks
    assert forged[1] == dropped[1]
    if forged_month == "current":
        assert forged[0] == sorted(dropped[0] + ["unproven_purge"])
    else:
        assert forged[0] == dropped[0]


def test_seal_verify_against_a_head_kept_outside(conn):
    tenant = sealed_tenant(conn)
    head = conn.execute(
        "SELECT block_no || ':' || hash FROM erp.audit_seal_head(%s)", (tenant,)
    ).fetchone()[0]
    assert (
        conn.execute("SELECT * FROM erp.audit_seal_verify(%s, %s)", (tenant, head)).fetchall() == []
    )
    # a superuser rewrites history: an event edited, the tenant's blocks and head deleted,
    # everything sealed again (undone at the end: force_rollback)
    with conn.transaction(force_rollback=True):
        event, part = conn.execute(
            "SELECT id, tableoid::regclass::text FROM erp.erp_audit_events"
            " WHERE tenant_id = %s ORDER BY id DESC LIMIT 1",
            (tenant,),
        ).fetchone()
        conn.execute(f"ALTER TABLE {part} DISABLE TRIGGER ALL")
        conn.execute(
            'UPDATE erp.erp_audit_events SET payload = payload || \'{"name": "forged"}\''
            " WHERE id = %s",
            (event,),
        )
        conn.execute("ALTER TABLE erp.erp_audit_seals DISABLE TRIGGER ALL")
        conn.execute("DELETE FROM erp.erp_audit_seals WHERE tenant_id = %s", (tenant,))
        conn.execute("DELETE FROM erp.erp_audit_seal_heads WHERE tenant_id = %s", (tenant,))
        conn.execute("SELECT * FROM erp.audit_seal(%s)", (tenant,))
        assert (
            conn.execute("SELECT * FROM erp.audit_seal_verify(%s)", (tenant,)).fetchall() == []
        )  # blind
        found = conn.execute(
            "SELECT problem, block_no FROM erp.audit_seal_verify(%s, %s)", (tenant, head)
        ).fetchall()
        assert found == [("witness_mismatch", int(head.split(":")[0]))]


@pytest.mark.parametrize(
    "head",
    [
        "",
        "1",
        "1:abc",
        "x:" + "0" * 64,
        "1:" + "A" * 64,
        "1:" + "0" * 65,
        "9" * 19 + ":" + "0" * 64,
    ],
)
def test_a_malformed_expected_head_is_ze003(conn, head):
    tenant = sealed_tenant(conn)
    with pytest.raises(psycopg.Error) as info:
        conn.execute("SELECT * FROM erp.audit_seal_verify(%s, %s)", (tenant, head))
    assert info.value.sqlstate == "ZE003"


def test_an_event_beyond_the_transaction_counter_is_reported_not_ignored(conn):
    tenant = sealed_tenant(conn)
    forged = conn.execute(
        "INSERT INTO erp.erp_audit_events (tenant_id, id, actor_type, entity_type, entity_id,"
        " event_type, payload, xact_id) VALUES (%s, erp.uuid_v7(), 'SYSTEM', 'x.thing',"
        " gen_random_uuid(), 'x.thing.noted',"
        " '{}', '9999999999') RETURNING id",
        (tenant,),
    ).fetchone()[0]
    found = conn.execute(
        "SELECT problem, detail ->> 'first_event' FROM erp.audit_seal_verify(%s)", (tenant,)
    ).fetchall()
    assert found == [("restore_not_recorded", str(forged))]
    found = conn.execute(
        "SELECT entity_type, problem, detail ->> 'first_event' FROM erp.audit_verify(%s)"
        " WHERE problem = 'restore_not_recorded'",
        (tenant,),
    ).fetchall()
    assert found == [("erp.base.audit", "restore_not_recorded", str(forged))]
    for call in ("SELECT * FROM erp.audit_feed(%s)", "SELECT * FROM erp.audit_seal(%s)"):
        with pytest.raises(psycopg.Error) as info:
            conn.execute(call, (tenant,))
        assert info.value.sqlstate == "ZE009" and "audit_restored" in (
            info.value.diag.message_hint or ""
        )


@pytest.mark.parametrize(
    "args",
    [
        (None, 0, "0" * 64),
        ("2015-03-01", -1, "0" * 64),
        ("2015-03-01", 0, "xyz"),
        ("2015-03-01", None, "0" * 64),
        ("2015-03-01", 0, "0" * 63 + "A"),
    ],
)
def test_archive_check_refuses_bad_arguments(conn, args):
    with pytest.raises(psycopg.Error) as info:
        conn.execute("SELECT * FROM erp.audit_archive_check(%s, %s, %s)", args)
    assert info.value.sqlstate == "ZE003"


def retention_events(conn: psycopg.Connection) -> list:
    return conn.execute(
        "SELECT tenant_id, payload FROM erp.erp_audit_events"
        " WHERE event_type = 'erp.base.audit.retention_changed' ORDER BY tenant_id"
    ).fetchall()


def test_retention_changes_are_audited_and_made_by_the_owner_only(conn):
    tenants = sorted([new_tenant(conn, "R1"), new_tenant(conn, "R2")])
    with conn.transaction():
        conn.execute("SET LOCAL ROLE erp_owner")
        previous = conn.execute(
            "SELECT erp.audit_retention_set(NULL, 'SYSTEM', 'dba', 132)"
        ).fetchone()[0]
    assert previous == 120
    assert conn.execute("SELECT retention_months FROM erp_meta.audit_settings").fetchone()[0] == 132
    assert retention_events(conn) == [
        (t, {"retention_months": 132, "previous": 120}) for t in tenants
    ]
    # the same value again: nothing changes, nothing is recorded
    assert (
        conn.execute("SELECT erp.audit_retention_set(NULL, 'SYSTEM', 'dba', 132)").fetchone()[0]
        == 132
    )
    assert len(retention_events(conn)) == 2
    for role in ("erp_admin", "erp_auditor", "erp_app"):
        with conn.transaction():
            conn.execute(f"SET LOCAL ROLE {role}")
            with pytest.raises(psycopg.Error) as info:
                conn.execute("SELECT erp.audit_retention_set(NULL, 'SYSTEM', 'x', 12)")
            assert info.value.sqlstate == "42501"


@pytest.mark.parametrize("months", [0, 1201, -5, None, 2**40])
def test_a_bad_retention_is_ze003(conn, months):
    new_tenant(conn, "R")
    with pytest.raises(psycopg.Error) as info:
        conn.execute("SELECT erp.audit_retention_set(NULL, 'SYSTEM', 'dba', %s::bigint)", (months,))
    assert info.value.sqlstate == "ZE003"
    assert conn.execute("SELECT retention_months FROM erp_meta.audit_settings").fetchone()[0] == 120
    assert retention_events(conn) == []


def test_the_client_passes_the_expected_head(conn):
    from erp_client.client import ErpClient

    tenant = sealed_tenant(conn)
    client = ErpClient(conn, tenant_id=tenant)
    head = client.audit_seal_head()
    assert client.audit_seal_verify(expected_head=f"{head['block_no']}:{head['hash']}") == []
    wrong = client.audit_seal_verify(expected_head=f"{head['block_no']}:{'0' * 64}")
    assert [r["problem"] for r in wrong] == ["witness_mismatch"]
    assert client.audit_seal_verify() == []
    # nothing to record on a database that was not restored; an archive never recorded
    from erp_client.errors import ErpError

    with pytest.raises(ErpError) as info:
        client.audit_restored()
    assert info.value.sqlstate == "ZE009"
    assert conn.execute("SELECT count(*) FROM erp_meta.audit_eras").fetchone()[0] == 0
    month = dt.date(2015, 3, 1)
    found = client.audit_archive_check(month, 0, "0" * 64)
    assert [r["problem"] for r in found] == ["not_archived"]
