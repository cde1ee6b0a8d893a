"""Master-data rules across real connections: a write that another open transaction could
invalidate waits for it (row locks: KEY SHARE on the unit, the parent company or the
category against an archive's FOR UPDATE; the tenant row FOR NO KEY UPDATE for re-parenting,
no advisory locks) and then decides on what was
committed, so the rules hold under concurrency and the refusal is the documented SQLSTATE,
never a raw constraint error or a broken invariant.

Each test: connection 1 writes and keeps its transaction open; connection 2 starts a
conflicting write in a thread and must block on a lock; connection 1 commits (or rolls back);
connection 2's outcome is checked. Every wait is bounded."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from tests.conftest import new_tenant

CTX = "%s, NULL, 'SYSTEM', 'race'"
GUARD = "-c statement_timeout=30s -c lock_timeout=20s"  # no test waits forever


def one(conn, sql, *args):
    return conn.execute(sql, args).fetchone()


def race(dsn, tenant, first: str, second: str, first_ends: str = "commit"):
    """Runs `first` in an open transaction, then `second` on another connection (it must block
    on a lock), ends the first transaction; returns the second's row or its exception."""
    outcome: dict = {}
    with (
        psycopg.connect(dsn, options=GUARD) as c1,
        psycopg.connect(dsn, options=GUARD, autocommit=True) as c2,
    ):
        c1.execute(first, (tenant,))
        pid = c2.info.backend_pid

        def run():
            try:
                outcome["row"] = c2.execute(second, (tenant,)).fetchone()
            except psycopg.Error as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        with psycopg.connect(dsn, autocommit=True) as watcher:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                waiting = one(
                    watcher, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", pid
                )
                if waiting and waiting[0] == "Lock":
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the second write did not wait for the first transaction")
        getattr(c1, first_ends)()
        thread.join(30)
        assert not thread.is_alive()
    return outcome.get("row"), outcome.get("error")


@pytest.fixture
def md(conn):
    """A tenant with category C (reference unit R), company ACME and company OTHER."""
    tenant = new_tenant(conn, "Race")
    conn.execute(f"SELECT erp.uom_category_create({CTX}, 'C', 'Category')", (tenant,))
    conn.execute(f"SELECT erp.uom_category_create({CTX}, 'EMPTY', 'No units yet')", (tenant,))
    conn.execute(f"SELECT erp.uom_create({CTX}, 'R', 'Reference', 'C')", (tenant,))
    conn.execute(f"SELECT erp.uom_create({CTX}, 'BIG', 'Big', 'C', 'bigger', 10)", (tenant,))
    conn.execute(f"SELECT erp.partner_create({CTX}, 'ACME', 'Acme')", (tenant,))
    conn.execute(f"SELECT erp.partner_create({CTX}, 'OTHER', 'Other')", (tenant,))
    return tenant


# each test has its own database with one tenant: a code names one row
def refused(dsn, tenant, first: str, second: str) -> str:
    """The SQLSTATE with which the second of two racing statements is refused."""
    row, error = race(dsn, tenant, first, second)
    assert row is None and error is not None
    return error.sqlstate


UOM = "(SELECT u.id FROM erp.erp_uoms AS u WHERE u.code = '{}')"
PARTNER = "(SELECT p.id FROM erp.erp_partners AS p WHERE p.code = '{}')"
ARCHIVE_BIG = f"SELECT erp.uom_archive({CTX}, {UOM.format('BIG')})"
CREATE_WIDGET = f"SELECT erp.product_create({CTX}, 'W-1', 'Widget', {UOM.format('BIG')})"
ARCHIVE_ACME = f"SELECT erp.partner_archive({CTX}, {PARTNER.format('ACME')})"
CREATE_JANE = (f"SELECT erp.partner_create({CTX}, 'JANE', 'Jane', 'person',"
               f" {PARTNER.format('ACME')})")


def test_unit_archive_waits_for_a_product_being_created(dsn, conn, md):
    sqlstate = refused(dsn, md, CREATE_WIDGET,
                       ARCHIVE_BIG)
    assert sqlstate == "ZE005"
    assert one(conn, "SELECT active FROM erp.erp_uoms WHERE tenant_id = %s AND code = 'BIG'", md)[0]


def test_product_create_waits_for_a_unit_archive(dsn, conn, md):
    sqlstate = refused(dsn, md, ARCHIVE_BIG,
                       CREATE_WIDGET)
    assert sqlstate == "ZE009"
    assert one(conn, "SELECT count(*) FROM erp.erp_products WHERE tenant_id = %s", md)[0] == 0


def test_two_reference_units_for_one_category_take_turns(dsn, conn, md):
    sqlstate = refused(dsn, md, f"SELECT erp.uom_create({CTX}, 'E1', 'First', 'EMPTY')",
                       f"SELECT erp.uom_create({CTX}, 'E2', 'Second', 'EMPTY')")
    assert sqlstate == "ZE009", "ZE009 with a message, not a raw 23505"
    codes = conn.execute(
        "SELECT code FROM erp.erp_uoms WHERE tenant_id = %s AND code LIKE 'E%%'", (md,)
    ).fetchall()
    assert codes == [("E1",)]


def test_the_second_reference_unit_is_accepted_when_the_first_rolls_back(dsn, conn, md):
    row, error = race(
        dsn,
        md,
        f"SELECT erp.uom_create({CTX}, 'E1', 'First', 'EMPTY')",
        f"SELECT erp.uom_create({CTX}, 'E2', 'Second', 'EMPTY')",
        first_ends="rollback",
    )
    assert error is None and row is not None
    codes = conn.execute(
        "SELECT code FROM erp.erp_uoms WHERE tenant_id = %s AND code LIKE 'E%%'", (md,)
    ).fetchall()
    assert codes == [("E2",)]


def test_a_bigger_unit_waits_for_the_archive_of_its_reference_unit(dsn, conn, md):
    conn.execute(f"SELECT erp.uom_create({CTX}, 'ER', 'Reference', 'EMPTY')", (md,))
    sqlstate = refused(dsn, md, f"SELECT erp.uom_archive({CTX}, {UOM.format('ER')})",
                       f"SELECT erp.uom_create({CTX}, 'EB', 'Bigger', 'EMPTY', 'bigger', 2)")
    assert sqlstate == "ZE009"


def test_crossing_moves_cannot_build_a_cycle(dsn, conn, md):
    move = "SELECT erp.partner_update({CTX}, {child}, jsonb_build_object('parent_id', {parent}))"
    sqlstate = refused(
        dsn, md,
        move.format(CTX=CTX, child=PARTNER.format("ACME"), parent=PARTNER.format("OTHER")),
        move.format(CTX=CTX, child=PARTNER.format("OTHER"), parent=PARTNER.format("ACME")))
    assert sqlstate == "ZE009"
    parents = conn.execute(
        "SELECT code, parent_id IS NOT NULL FROM erp.erp_partners"
        " WHERE tenant_id = %s ORDER BY code",
        (md,),
    ).fetchall()
    assert parents == [("ACME", True), ("OTHER", False)]


def test_company_archive_waits_for_a_contact_being_created(dsn, conn, md):
    sqlstate = refused(dsn, md, CREATE_JANE,
                       ARCHIVE_ACME)
    assert sqlstate == "ZE005"


def test_contact_create_waits_for_the_company_archive(dsn, conn, md):
    sqlstate = refused(dsn, md, ARCHIVE_ACME,
                       CREATE_JANE)
    assert sqlstate == "ZE009"
    assert conn.execute("SELECT * FROM erp.audit_verify(%s)", (md,)).fetchall() == []
