"""A point-in-time restore: ``pg_basebackup``, WAL archived, recovery to a named restore point.

The transaction counter survives a point-in-time restore, so no step is needed (and
``erp.audit_restored`` refuses: nothing to record). What a restore to an earlier point does
break is what consumers saw after that point; the test proves, on the restored cluster:

* a feed position saved before the recovery point resumes and serves exactly the events up to
  it, then the new ones; a position saved after it (its event is not in this database) is
  refused with ZE009, never silently skipped;
* seal goes on, ``audit_seal_verify`` and ``audit_verify`` are clean; a seal head handed out
  after the recovery point is reported as ``witness_mismatch`` (the block it names is gone).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from erp_ops import migrate
from harness import cluster
from tests.conftest import sqlstate

BIN = cluster.pg_bindir()
TENANT = uuid.UUID("a0000000-0000-4000-8000-0000000000b2")


def write(conn: psycopg.Connection, code: str) -> None:
    conn.execute(
        "SELECT erp.uom_category_create(%s, NULL, 'SYSTEM', 'pitr-test', %s, %s)",
        (TENANT, code, f"Category {code}"),
    )


def feed(conn: psycopg.Connection, after: str | None) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT * FROM erp.audit_feed(%s, %s, 10000)", (TENANT, after)
        ).fetchall()


def codes(events: list[dict]) -> list[str]:
    return [e["payload"]["code"] for e in events if e["entity_type"] == "erp.base.uom_category"]


def wait_horizon(conn: psycopg.Connection) -> None:
    """Until every transaction so far has ended (the feed serves them)."""
    target = int(conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0])
    deadline = time.monotonic() + 60
    while int(conn.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()[0]) <= target:
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.fixture
def source():
    c = cluster.Cluster.temporary_cluster(extra_settings={
        "archive_mode": "on", "wal_level": "replica"})
    c.datadir.parent.mkdir(parents=True, exist_ok=True)
    archive = c.datadir.parent / "archive"
    c.settings["archive_command"] = f"cp %p {archive}/%f"
    c.start()
    c._run_as_server_user(["mkdir", "-p", str(archive)])
    yield c
    c.stop()


def test_point_in_time_restore_to_an_earlier_point(source, tmp_path: Path):
    archive = source.datadir.parent / "archive"
    with psycopg.connect(source.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE erp")
    url = source.url("erp")
    migrate.migrate(url, log=lambda *_: None)
    with psycopg.connect(url, autocommit=True) as src:
        src.execute("SELECT erp.tenant_create(%s, NULL, 'SYSTEM', 'pitr-test', 'Acme')", (TENANT,))
        write(src, "A1")
        wait_horizon(src)
        early = feed(src, None)[-1]["position"]  # a consumer's position before the backup

        target = cluster.Cluster.temporary_cluster(extra_settings={
            "restore_command": f"cp {archive}/%f %p",
            "recovery_target_name": "before-b2",
            "recovery_target_action": "promote",
        })
        target.datadir.parent.mkdir(parents=True, exist_ok=True)
        target.socket_dir.mkdir(exist_ok=True)
        user = cluster._server_user()
        if user is not None:
            for path in (target.datadir.parent, target.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        target._run_as_server_user([str(BIN / "pg_basebackup"), "-h", str(source.socket_dir),
                                    "-p", str(source.port), "-U", "postgres", "-D",
                                    str(target.datadir), "-X", "stream", "-c", "fast", "--no-sync"])

        write(src, "B1")
        src.execute("SELECT pg_create_restore_point('before-b2')")
        write(src, "B2")
        wait_horizon(src)
        late = feed(src, early)[-1]["position"]  # a consumer that saw B2
        assert codes(feed(src, early)) == ["B1", "B2"]
        src.execute("SELECT * FROM erp.audit_seal(%s)", (TENANT,))
        late_head = src.execute("SELECT block_no || ':' || hash FROM erp.audit_seal_head(%s)",
                                (TENANT,)).fetchone()[0]
        # the segment holding the restore point and B2 is complete and archived
        segment = src.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
        deadline = time.monotonic() + 30
        while (src.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0]
               or "") < segment:
            assert time.monotonic() < deadline, "WAL was not archived"
            time.sleep(0.05)
    source.stop(keep=True)

    target._run_as_server_user(["touch", str(target.datadir / "recovery.signal")])
    with target:
        deadline = time.monotonic() + 60
        with psycopg.connect(target.url("erp"), autocommit=True) as dst:
            while dst.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                assert time.monotonic() < deadline, "recovery did not end"
                time.sleep(0.1)
            assert codes(feed(dst, None)) == ["A1", "B1"]  # restored up to the restore point
            # the counter survived: nothing to record
            assert sqlstate(dst, "SELECT erp.audit_restored(NULL, 'SYSTEM', 'pitr')") == "ZE009"
            assert dst.execute("SELECT count(*) FROM erp_meta.audit_eras").fetchone()[0] == 0
            # the consumer that saw B2 is refused, never skipped over what comes next
            assert sqlstate(dst, "SELECT * FROM erp.audit_feed(%s, %s)", (TENANT, late)) == "ZE009"
            write(dst, "C1")
            wait_horizon(dst)
            assert codes(feed(dst, early)) == ["B1", "C1"]
            dst.execute("SELECT * FROM erp.audit_seal(%s)", (TENANT,))
            assert dst.execute("SELECT count(*) FROM erp.audit_seal_verify(%s)",
                               (TENANT,)).fetchone()[0] == 0
            assert dst.execute("SELECT count(*) FROM erp.audit_verify(%s)",
                               (TENANT,)).fetchone()[0] == 0
            problems = dst.execute("SELECT problem FROM erp.audit_seal_verify(%s, %s)",
                                   (TENANT, late_head)).fetchall()
            # the head handed out after the recovery point names a block this database either
            # lacks or holds with other content
            assert problems == [("witness_mismatch",)]
