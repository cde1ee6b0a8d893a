"""A logical backup restored into another cluster: roles first (``pg_dumpall --roles-only``),
then the database (``pg_dump -Fc`` / ``pg_restore``), then the one step
``SELECT erp.audit_restored(...)``.

The source cluster's transaction counter is pushed far ahead of the target's (``pg_resetwal
-e`` on the stopped source: a new epoch, so every stored ``xact_id`` lies above 2^32, while the
fresh target counts from a few hundred). Without eras a restored event would never be fed
(held back forever), the first new event would read as ``inserted_event`` and an old feed
position would skip new events. The test proves, on the restored database:

* before the step: feed and seal refuse with ZE009 (the command in the HINT), seal-verify
  names ``restore_not_recorded`` and never a tamper; writers keep working meanwhile;
* ``audit_restored`` records era 1 and refuses a second call (nothing left to record, ZE009,
  no era and no event written);
* after it: a consumer resuming from a position saved on the source gets exactly the events
  it had not seen (restored ones first, then the new ones, none twice, none skipped); a feed
  from the start serves every event once; seal, seal-verify (also against the head printed on
  the source) and audit_verify are clean;
* a position the restored database does not hold (served by the source after the dump, as
  after a point-in-time restore to an earlier point) is refused with ZE009, one from a later
  era with ZE003.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from erp_ops import migrate
from harness import cluster
from tests.conftest import sqlstate

BIN = cluster.pg_bindir()
TENANT = uuid.UUID("a0000000-0000-4000-8000-0000000000a1")


def run(args: list[str]) -> str:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def drain(conn: psycopg.Connection, after: str | None, limit: int = 7) -> list[dict]:
    events: list[dict] = []
    while True:
        with conn.cursor(row_factory=dict_row) as cur:
            page = cur.execute(
                "SELECT * FROM erp.audit_feed(%s, %s, %s)", (TENANT, after, limit)
            ).fetchall()
        events.extend(page)
        if page:
            after = page[-1]["position"]
        if len(page) < limit:
            return events


def write(conn: psycopg.Connection, code: str) -> None:
    conn.execute(
        "SELECT erp.uom_category_create(%s, NULL, 'SYSTEM', 'restore-test', %s, %s)",
        (TENANT, code, f"Category {code}"),
    )


@pytest.fixture
def source(tmp_path: Path):
    if not (BIN / "pg_resetwal").exists():  # it must be of the server's own major
        pytest.skip(f"no pg_resetwal of this PostgreSQL major in {BIN} (the fetched binaries "
                    "of 16 and 17 have none); the test runs on 15 and 18")
    c = cluster.Cluster.temporary_cluster()
    c.start()
    c.stop(keep=True)
    # a new transaction id epoch: every xid8 of this cluster lies above 2^32 * 3
    c._run_as_server_user([str(BIN / "pg_resetwal"), "-e", "3", "-D", str(c.datadir)])
    c.start()
    yield c
    c.stop()


@pytest.fixture
def target():
    with cluster.Cluster.temporary_cluster() as c:
        yield c


def test_dump_restore_into_a_cluster_far_behind(source, target, tmp_path: Path):
    src_url = source.url("erp")
    with psycopg.connect(source.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE erp")
    migrate.migrate(src_url, log=lambda *_: None)
    with psycopg.connect(src_url, autocommit=True) as src:
        src.execute(
            "SELECT erp.tenant_create(%s, NULL, 'SYSTEM', 'restore-test', 'Acme')", (TENANT,)
        )
        for n in range(5):
            write(src, f"S{n}")
        seen = drain(src, None)
        saved = seen[-1]["position"]  # the consumer's saved position
        assert int(seen[-1]["xact_id"]) > 3 * 2**32
        for n in range(5, 9):  # written after the consumer's last read, before the dump
            write(src, f"S{n}")
        assert src.execute("SELECT count(*) FROM erp.audit_seal(%s)", (TENANT,)).fetchone()[0] >= 1
        head = src.execute(
            "SELECT block_no || ':' || hash FROM erp.audit_seal_head(%s)", (TENANT,)
        ).fetchone()[0]
        source_events = src.execute(
            "SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s", (TENANT,)
        ).fetchone()[0]

        roles, dump = tmp_path / "roles.sql", tmp_path / "erp.dump"
        run([str(BIN / "pg_dumpall"), "--roles-only", "-d", source.url(), "-f", str(roles)])
        run([str(BIN / "pg_dump"), "-Fc", "-d", src_url, "-f", str(dump)])
        write(src, "AFTER-DUMP")  # never reaches the target
        after_dump = drain(src, saved)[-1]["position"]

    # roles first (the target's own postgres role exists already: that one line fails),
    # then the database
    subprocess.run(
        [str(BIN / "psql"), "-q", "-d", target.url(), "-f", str(roles)],
        capture_output=True,
        text=True,
        check=False,
    )
    with psycopg.connect(target.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE erp")
    run([str(BIN / "pg_restore"), "--exit-on-error", "-d", target.url("erp"), str(dump)])

    with psycopg.connect(target.url("erp"), autocommit=True) as dst:
        assert int(dst.execute("SELECT pg_current_xact_id()::text").fetchone()[0]) < 2**32
        # the forgotten step is named, never a tamper; writers work on meanwhile
        write(dst, "T-BEFORE-STEP")
        assert sqlstate(dst, "SELECT * FROM erp.audit_feed(%s, %s)", (TENANT, saved)) == "ZE009"
        assert sqlstate(dst, "SELECT * FROM erp.audit_seal(%s)", (TENANT,)) == "ZE009"
        problems = [
            r[0] for r in dst.execute("SELECT problem FROM erp.audit_seal_verify(%s)", (TENANT,))
        ]
        assert problems == ["restore_not_recorded"]
        assert dst.execute("SELECT count(*) FROM erp_meta.audit_eras").fetchone()[0] == 0

        era = dst.execute(
            "SELECT era FROM erp.audit_restored(NULL, 'SYSTEM', 'restore')"
        ).fetchone()[0]
        assert era == 1
        events_now = dst.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0]
        assert sqlstate(dst, "SELECT erp.audit_restored(NULL, 'SYSTEM', 'restore')") == "ZE009"
        assert dst.execute("SELECT count(*) FROM erp_meta.audit_eras").fetchone()[0] == 1
        assert dst.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0] == events_now

        write(dst, "T-AFTER-STEP")
        # the saved consumer resumes: the 4 restored events it had not seen, then the new ones
        rest = drain(dst, saved)
        codes = [
            e["payload"].get("code") for e in rest if e["entity_type"] == "erp.base.uom_category"
        ]
        assert codes == ["S5", "S6", "S7", "S8", "T-BEFORE-STEP", "T-AFTER-STEP"]
        assert [e["event_type"] for e in rest].count("erp.base.audit.restored") == 1
        assert all(e["position"].startswith("1:") for e in rest[4:])
        everything = drain(dst, None)
        ids = [e["id"] for e in everything]
        assert len(ids) == len(set(ids)) == source_events + 3
        assert [e["id"] for e in everything[len(seen) :]] == [e["id"] for e in rest]

        # restored events are not "held back" by their (foreign) transaction ids
        lag = dst.execute("SELECT held_back FROM erp.audit_feed_lag(%s)", (TENANT,)).fetchone()
        assert lag == (0,)
        # seal goes on after the restored chain; verify is clean, also against the source's head
        assert dst.execute("SELECT count(*) FROM erp.audit_seal(%s)", (TENANT,)).fetchone()[0] >= 1
        assert (
            dst.execute(
                "SELECT count(*) FROM erp.audit_seal_verify(%s, %s)", (TENANT, head)
            ).fetchone()[0]
            == 0
        )
        assert (
            dst.execute("SELECT count(*) FROM erp.audit_verify(%s)", (TENANT,)).fetchone()[0] == 0
        )
        sealed = dst.execute("SELECT events FROM erp.audit_seal_head(%s)", (TENANT,)).fetchone()[0]
        assert sealed == len(everything)

        # positions this database does not hold are refused, never skipped over
        assert (
            sqlstate(dst, "SELECT * FROM erp.audit_feed(%s, %s)", (TENANT, after_dump)) == "ZE009"
        )
        assert (
            sqlstate(
                dst,
                "SELECT * FROM erp.audit_feed(%s, %s)",
                (TENANT, "2:" + rest[-1]["position"].split(":", 1)[1]),
            )
            == "ZE003"
        )
