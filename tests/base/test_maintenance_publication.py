"""Maintenance never publishes an event twice. Events that land in the default partition (an
import of old events, a stopped maintenance job) are published once, when they are written;
``erp.audit_maintain`` then drains the default partition by copying each month's events into
its new partition while that is still a plain table, before ATTACH, so the publication
``erp_audit`` (inserts, via the partition root) sends nothing again.

Proven with a real logical-replication subscriber whose copy of the trail has a primary key:
a duplicate would stop its apply worker (``apply_error_count``) and the copy would never catch
up. Two drains, with writes before, between and after, and an event no partition can hold
(kept in the new default partition): the subscriber ends with every event exactly once."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Jsonb

from erp_client.client import ErpClient
from erp_ops import migrate
from tests.base.test_replication import ROWS_SQL, _rows, clusters, wait_for  # noqa: F401

UTC = dt.timezone.utc
MAINTAIN = "SELECT m.partition, m.action FROM erp.audit_maintain() AS m"


def insert_event(
    conn: psycopg.Connection,
    tenant: uuid.UUID,
    at: dt.datetime | None,
    event_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """An event written directly (superuser), as an import would: at ``at`` or with
    ``event_id``."""
    return conn.execute(
        "INSERT INTO erp.erp_audit_events (id, tenant_id, actor_type, entity_type, entity_id,"
        " event_type, payload, created_at) VALUES (coalesce(%s, erp._uuid_v7_at(%s)), %s, 'SYSTEM',"
        " 'erp.base.legacy_note', gen_random_uuid(), 'erp.base.legacy_note.noted', %s, now())"
        " RETURNING id",
        (event_id, at, tenant, Jsonb({"at": str(at)})),
    ).fetchone()[0]


def subscription_errors(sub_url: str) -> int:
    with psycopg.connect(sub_url) as c:
        return c.execute(
            "SELECT coalesce(sum(apply_error_count + sync_error_count), 0)"
            " FROM pg_stat_subscription_stats"
        ).fetchone()[0]


def test_draining_the_default_partition_publishes_no_event_twice(clusters):  # noqa: F811
    pub, sub = clusters
    with psycopg.connect(pub.url(), autocommit=True) as c:
        c.execute("CREATE DATABASE erp_pub")
    pub_url = pub.url("erp_pub")
    migrate.migrate(pub_url, log=lambda *_: None)
    with psycopg.connect(pub_url, autocommit=True) as c:
        columns = c.execute(
            "SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)),"
            " ', ' ORDER BY a.attnum) FROM pg_attribute AS a"
            " WHERE a.attrelid = 'erp.erp_audit_events'::regclass AND a.attnum > 0"
            " AND NOT a.attisdropped"
        ).fetchone()[0]

    # the subscriber's copy has the trail's primary key: a second copy of an event is an error
    with psycopg.connect(sub.url(), autocommit=True) as c:
        c.execute("CREATE DATABASE erp_copy")
    sub_url = sub.url("erp_copy")
    p = conninfo_to_dict(pub_url)
    publisher = make_conninfo(host=p["host"], port=p["port"], dbname="erp_pub", user=p["user"])
    with psycopg.connect(sub_url, autocommit=True) as c:
        c.execute("CREATE SCHEMA erp")
        c.execute(f"CREATE TABLE erp.erp_audit_events ({columns}, PRIMARY KEY (tenant_id, id))")
        c.execute(
            f"CREATE SUBSCRIPTION erp_audit_copy CONNECTION '{publisher}' PUBLICATION erp_audit"
        )

    with psycopg.connect(pub_url, autocommit=True) as c:
        erp = ErpClient(c, actor_type="SYSTEM", trace_id="drain")
        tenant = erp.tenant_create("Drained", "Europe/Berlin")["id"]
        erp = erp.using(tenant_id=tenant)
        erp.uom_category_create("WEIGHT", "Weight")
        # an import: months without a partition, so into the default partition (published now)
        imported = [
            insert_event(c, tenant, dt.datetime(2011, m, 3, 4, 5, tzinfo=UTC)) for m in (1, 1, 2, 7)
        ]
        imported.append(insert_event(c, tenant, dt.datetime(2035, 5, 6, tzinfo=UTC)))
        beyond = insert_event(c, tenant, None, uuid.UUID("ffffffff-ffff-7fff-bfff-ffffffffffff"))
        assert c.execute("SELECT count(*) FROM erp.erp_audit_events_default").fetchone()[0] == 6
        expected = _rows(pub_url)
        assert wait_for(sub_url, expected) == expected  # the subscriber has them, once

        first = c.execute(MAINTAIN).fetchall()
        assert ("erp.erp_audit_events_default", "drained (5 events moved)") in first
        assert ("erp.erp_audit_events_p2011_01", "created") in first
        where = dict(
            c.execute(
                "SELECT id, tableoid::regclass::text FROM erp.erp_audit_events WHERE id = ANY(%s)",
                (imported + [beyond],),
            ).fetchall()
        )
        assert where[beyond] == "erp.erp_audit_events_default"
        assert "erp.erp_audit_events_default" not in {where[i] for i in imported}

        erp.uom_category_create("LENGTH", "Length")  # written after the drain: published once
        insert_event(c, tenant, dt.datetime(2011, 3, 1, tzinfo=UTC))  # the default again
        insert_event(c, tenant, dt.datetime(2011, 1, 9, tzinfo=UTC))  # a month drained before
        second = c.execute(MAINTAIN).fetchall()
        assert ("erp.erp_audit_events_default", "drained (1 events moved)") in second
        erp.uom_category_create("VOLUME", "Volume")
        expected = _rows(pub_url)

    got = wait_for(sub_url, expected)
    assert subscription_errors(sub_url) == 0
    assert len(got) == len(expected) == len({r[0] for r in got})
    assert got == expected  # every event exactly once, every column as on the publisher
    with psycopg.connect(sub_url) as c:
        assert (
            c.execute(
                "SELECT count(*) FROM erp.erp_audit_events WHERE id = ANY(%s)",
                (imported + [beyond],),
            ).fetchone()[0]
            == 6
        )
