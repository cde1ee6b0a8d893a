"""The publication erp_audit streams the trail to a second PostgreSQL with built-in logical
replication: a publisher cluster (wal_level = logical) with the module installed, a subscriber
cluster with the table erp.audit_subscriber_ddl() prints (the trail's key: a duplicate would
stop it), subscribed to erp_audit as a least-privilege login (LOGIN REPLICATION, a member of
erp_replicator; neither superuser nor BYPASSRLS). The initial copy brings the whole history
written before the subscription; every public write function then writes on the publisher and
the subscriber ends up with exactly the committed events (same rows, each once, none of a
rolled-back transaction), also after it was stopped while events kept coming and started again.

Both clusters are temporary (socket-only, their own folders) and stopped whatever happens."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
import uuid
from decimal import Decimal

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from erp_client.client import ErpClient
from erp_ops import migrate
from harness import cluster
from tests.conftest import ENTITY_COLUMNS

CATCH_UP = 60.0  # seconds at most for the subscriber to catch up (normally well under one)
DOC = "erp.repl.doc"  # a registered document entity, for sequence_next_at_commit

DOC_SQL = f"""
SET ROLE erp_owner;
CREATE TABLE erp.repl_docs (
    {ENTITY_COLUMNS},
    number text,
    title text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
INSERT INTO erp_meta.entity_types (entity_type, table_name, writer_prefix)
VALUES ('{DOC}', 'repl_docs', 'repl_doc');
SELECT erp_meta.regenerate_writers();
RESET ROLE;
"""

# every column, as text, so that the two sides compare exactly
ROWS_SQL = """
SELECT id, tenant_id, actor_user_id, actor_type, entity_type, entity_id, event_type, trace_id,
    payload::text, entity_version, changes::text, created_at::text, db_user, xact_id::text
FROM erp.erp_audit_events ORDER BY id
"""


def write_everything(conn: psycopg.Connection, tag: str) -> tuple[uuid.UUID, int]:
    """One call of every public write function on a new tenant, plus a rolled-back
    transaction; returns the tenant and how many of its writes were rolled back."""
    user = uuid.uuid4()
    erp = ErpClient(conn, actor_type="USER", actor_user_id=user, trace_id=f"repl-{tag}")
    tenant = erp.tenant_create(f"Replicated {tag}", "Europe/Berlin")["id"]
    erp = erp.using(tenant_id=tenant)
    erp.uom_category_create("WEIGHT", "Weight")
    kg = erp.uom_create("KG", "Kilogram", "WEIGHT")
    g = erp.uom_create("G", "Gram", "WEIGHT", uom_type="smaller", factor=Decimal("0.001"))
    erp.uom_update(g["id"], {"name": "Gramm"}, expected_version=1)
    erp.uom_archive(g["id"])
    erp.uom_restore(g["id"])
    acme = erp.partner_create("ACME", "Acme GmbH", address={"city": "Köln", "zip": "50667"},
                              tax_id=f"DE{tag}")
    jane = erp.partner_create("JANE", "Jane Doe", kind="person", parent_id=acme["id"])
    erp.partner_update(acme["id"], {"email": "info@acme.example", "is_supplier": True})
    flour = erp.product_create("FLOUR", "Flour 25 kg", kg["id"], list_price=Decimal("19.90"),
                               barcode=f"400{tag}")
    erp.product_update(flour["id"], {"list_price": Decimal("21.50")})
    erp.product_archive(flour["id"])
    erp.product_restore(flour["id"])
    inv = erp.sequence_create("INV", "Invoices", prefix="INV/{YYYY}/", padding=4,
                              reset="yearly")
    erp.sequence_update(inv["id"], {"name": "Sales invoices"})
    erp.sequence_next("INV")
    erp.sequence_next_batch("INV", 3, document_date=dt.date(2024, 12, 31))
    erp.atomic_insert_with_audit("erp.base.uom_category", {"code": "LEN", "name": "Length"})
    cats = erp.atomic_insert_many_with_audit("erp.base.uom_category", [
        {"code": "VOL", "name": "Volume"}, {"code": "TIME", "name": "Time"}])
    erp.atomic_update_with_audit("erp.base.uom_category", uuid.UUID(cats[0]["id"]),
                                 {"name": "Volumen"})
    with conn.transaction():  # numbers at commit: the number is written when this commits
        doc = erp.atomic_insert_with_audit(DOC, {"title": f"Document {tag}"})
        erp.sequence_next_at_commit("INV", DOC, uuid.UUID(doc["id"]))
    erp.partner_archive(jane["id"])  # the person first: an active person keeps Acme in use
    erp.partner_archive(acme["id"])
    erp.partner_restore(acme["id"])
    rolled_back = 0
    with contextlib.suppress(_Rollback), conn.transaction():  # never committed
        erp.uom_category_create("GHOST", "Ghost")
        erp.sequence_next("INV")
        rolled_back = 2
        raise _Rollback
    return tenant, rolled_back


class _Rollback(Exception):
    pass


def _rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute(ROWS_SQL).fetchall()


def wait_for(sub_url: str, expected: list[tuple]) -> list[tuple]:
    """The subscriber's rows once they equal ``expected`` (or what it has at the timeout)."""
    deadline = time.monotonic() + CATCH_UP
    while True:
        got = _rows(sub_url)
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def count(url: str) -> int:
    with psycopg.connect(url) as c:
        return c.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0]


@pytest.fixture
def clusters():
    """(publisher, subscriber): two temporary clusters, stopped at the end whatever happens
    (the subscriber first, so that the publisher's walsender has no client left)."""
    with contextlib.ExitStack() as stack:
        pub = cluster.Cluster.temporary_cluster(extra_settings={"wal_level": "logical"})
        stack.callback(pub.stop)
        pub.start()
        sub = cluster.Cluster.temporary_cluster()
        stack.callback(sub.stop)
        sub.start()
        yield pub, sub


def test_the_publication_streams_every_committed_event_once(clusters):
    pub, sub = clusters
    with psycopg.connect(pub.url(), autocommit=True) as c:
        c.execute("CREATE DATABASE erp_pub")
        assert c.execute("SHOW wal_level").fetchone()[0] == "logical"
    pub_url = pub.url("erp_pub")
    migrate.migrate(pub_url, log=lambda *_: None)
    with psycopg.connect(pub_url, autocommit=True) as c:
        c.execute("CREATE ROLE erp_subscriber LOGIN REPLICATION IN ROLE erp_replicator")
        role = c.execute("SELECT rolsuper, rolbypassrls FROM pg_roles"
                         " WHERE rolname = 'erp_subscriber'").fetchone()
        assert role == (False, False)
        c.execute(DOC_SQL)
        history, _ = write_everything(c, "0")  # written before anyone subscribes
        assert count(pub_url) >= 30
    with psycopg.connect(pub_url, autocommit=True) as c:
        publication = c.execute(
            "SELECT p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot,"
            " array(SELECT t.schemaname || '.' || t.tablename FROM pg_publication_tables AS t"
            "       WHERE t.pubname = p.pubname)"
            " FROM pg_publication AS p WHERE p.pubname = 'erp_audit'").fetchone()
        assert publication == (True, False, False, False, True, ["erp.erp_audit_events"])
    with psycopg.connect(make_conninfo(pub_url, user="erp_subscriber"), autocommit=True) as c:
        ddl = ErpClient(c).audit_subscriber_ddl()

    # the subscriber: the printed table (the trail's columns and key)
    with psycopg.connect(sub.url(), autocommit=True) as c:
        c.execute("CREATE DATABASE erp_copy")
    sub_url = sub.url("erp_copy")
    p = conninfo_to_dict(pub_url)
    publisher = make_conninfo(host=p["host"], port=p["port"], dbname="erp_pub",
                              user="erp_subscriber")
    with psycopg.connect(sub_url, autocommit=True) as c:
        c.execute(ddl)
        c.execute(f"CREATE SUBSCRIPTION erp_audit_copy CONNECTION '{publisher}'"
                  " PUBLICATION erp_audit")
    # the initial copy: the whole history, through forced row-level security
    expected = _rows(pub_url)
    assert wait_for(sub_url, expected) == expected
    with psycopg.connect(pub_url) as c:
        walsenders = c.execute("SELECT usename FROM pg_stat_replication").fetchall()
    assert walsenders == [("erp_subscriber",)]

    with psycopg.connect(pub_url, autocommit=True) as c:
        first, rolled_back = write_everything(c, "1")
        assert rolled_back == 2
        event_types = {r[0] for r in c.execute(
            "SELECT DISTINCT event_type FROM erp.erp_audit_events")}
    # every kind of write came through one of the functions above
    assert {"erp.base.tenant.created", "erp.base.uom_category.created",
            "erp.base.uom_category.updated", "erp.base.uom.created", "erp.base.uom.updated",
            "erp.base.uom.archived", "erp.base.uom.restored", "erp.base.partner.created",
            "erp.base.partner.updated", "erp.base.partner.archived",
            "erp.base.partner.restored", "erp.base.product.created",
            "erp.base.product.updated", "erp.base.product.archived",
            "erp.base.product.restored", "erp.base.sequence.created",
            "erp.base.sequence.updated", "erp.base.sequence.allocated", f"{DOC}.created",
            f"{DOC}.numbered"} <= event_types

    expected = _rows(pub_url)
    got = wait_for(sub_url, expected)
    assert got == expected
    assert not [r for r in got if r[4] == "erp.base.uom_category" and "GHOST" in r[8]]

    # stopped mid-stream: a writer keeps committing (and rolling back) while the subscriber
    # is down; once it is up again it catches up with every event, each once
    stop = threading.Event()
    written = [0]
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with psycopg.connect(pub_url, autocommit=True) as c:
                erp = ErpClient(c, tenant_id=first, trace_id="repl-writer")
                k = 0
                while not stop.is_set():
                    k += 1
                    with c.transaction():
                        erp.uom_category_create(f"W{k}", f"Written {k}")
                        erp.sequence_next("INV")
                    written[0] += 2
                    with contextlib.suppress(_Rollback), c.transaction():
                        erp.uom_category_create(f"R{k}", f"Rolled back {k}")
                        raise _Rollback
                    time.sleep(0.002)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        before = count(pub_url)
        deadline = time.monotonic() + CATCH_UP
        while count(sub_url) <= before and time.monotonic() < deadline:
            time.sleep(0.02)  # the subscriber is receiving the writer's events
        assert count(sub_url) > before
        sub.stop(keep=True)
        at_stop = count(pub_url)
        deadline = time.monotonic() + CATCH_UP
        while count(pub_url) < at_stop + 40 and time.monotonic() < deadline and not errors:
            time.sleep(0.02)  # events the subscriber misses while it is down
        missed = count(pub_url) - at_stop
        sub.start()
        restarted = time.monotonic()
        while written[0] < 20 and time.monotonic() < deadline and not errors:
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert count(pub_url) >= at_stop + 40

    with psycopg.connect(pub_url, autocommit=True) as c:
        second, _ = write_everything(c, "2")  # after the restart, every function again
    expected = _rows(pub_url)
    got = wait_for(sub_url, expected)
    print(f"replicated {len(got)} events; {missed} written while the subscriber was down; "
          f"caught up {time.monotonic() - restarted:.2f} s after its restart")
    assert len(got) == len(expected)
    assert len({r[0] for r in got}) == len(got)  # each event once
    assert got == expected
    tenants = {r[1] for r in got}
    assert {history, first, second} <= tenants
    assert not [r for r in got if r[7] == "repl-writer" and '"Rolled back' in r[8]]
