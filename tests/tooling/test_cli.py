"""The command line, run as a subprocess the way developers, CI and DBAs run it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
from psycopg.conninfo import make_conninfo

from erp_ops import migrate
from harness import cli, cluster
from tests.conftest import new_tenant


def harness(*args: str, env: dict | None = None, timeout: float = 120
            ) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=migrate.ROOT,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_lists_every_command_with_examples():
    result = harness("--help")
    assert result.returncode == 0
    for command in ("db", "migrate", "bundle", "demo", "verify", "stress", "bench"):
        assert f"\n    {command}" in result.stdout
    assert "examples:" in result.stdout and "DATABASE_URL" in result.stdout


@pytest.mark.parametrize("command", ["db", "migrate", "bundle", "demo", "verify", "stress",
                                     "bench"])
def test_every_command_has_helpful_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and "--database-url" in out


def test_usage_errors_exit_2():
    result = harness("frobnicate")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    assert harness("stress", "--workers", "many").returncode == 2


def test_unreachable_database_is_one_line(tmp_path):
    result = harness("verify", "--database-url",
                     f"postgresql://postgres@/nope?host={tmp_path}&port=5999")
    assert_one_line_error(result, "connection")


def test_no_database_at_all_is_one_line(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(cluster, "dev_cluster_running", lambda c: False)  # whatever runs here
    assert cli.main(["migrate", "--status"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no database") and "db up" in err[0]


def test_migrate_status_dry_run_and_rerun(dsn):
    status = harness("migrate", "--status", "--database-url", dsn)
    assert status.returncode == 0, status.stderr
    names = [p.name for p in sorted((migrate.SQL_DIR / "schema").glob("*.sql"))]
    for name in names:
        assert f"applied      {name}" in status.stdout
    dry = harness("--database-url", dsn, "migrate", "--dry-run")  # option before the command
    assert dry.returncode == 0 and "would re-apply" in dry.stdout
    again = harness("migrate", env={"DATABASE_URL": dsn})  # the URL from the environment
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout


def test_migrate_refuses_a_changed_ledger(dsn, conn):
    conn.execute("UPDATE erp_meta.schema_migrations SET checksum = 'x' "
                 "WHERE filename LIKE '0001%'")
    assert harness("migrate", "--status", "--database-url", dsn).returncode == 1
    assert_one_line_error(harness("migrate", "--database-url", dsn), "immutable")


def test_bundle(tmp_path):
    out = tmp_path / "erp.sql"
    result = harness("bundle", "--output", str(out))
    assert result.returncode == 0 and str(out) in result.stdout
    text = out.read_text()
    assert "CREATE OR REPLACE FUNCTION erp.sequence_next(" in text
    assert "erp_meta.regenerate_writers()" in text


def test_verify_clean_then_broken(dsn, conn):
    tenant = new_tenant(conn, "Verified")
    conn.execute("SELECT erp.sequence_create(%s, NULL, 'SYSTEM', 't', 'INV', 'Invoices')",
                 (tenant,))
    conn.execute("SELECT erp.sequence_next(%s, NULL, 'SYSTEM', 't', 'INV')", (tenant,))
    ok = harness("verify", "--database-url", dsn)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "no problems" in ok.stdout and "Verified" in ok.stdout

    # a gap injected by hand (superuser: RLS and privileges stop everyone else)
    conn.execute("UPDATE erp.erp_sequence_counters SET next_value = next_value + step "
                 "WHERE tenant_id = %s", (tenant,))
    broken = harness("verify", "--database-url", dsn)
    assert broken.returncode == 1
    assert "sequence_gap" in broken.stdout and "FAILED" in broken.stdout
    one = harness("verify", "--tenant", str(tenant), "--database-url", dsn)
    assert one.returncode == 1 and "sequence_gap" in one.stdout


def test_verify_reports_a_row_changed_behind_the_audit(dsn, conn):
    tenant = new_tenant(conn, "Tampered")
    conn.execute("SELECT erp.sequence_create(%s, NULL, 'SYSTEM', 't', 'INV', 'Invoices')",
                 (tenant,))
    conn.execute("UPDATE erp.erp_sequences SET name = 'forged' WHERE tenant_id = %s", (tenant,))
    result = harness("verify", "--tenant", str(tenant), "--database-url", dsn)
    assert result.returncode == 1 and "snapshot_mismatch" in result.stdout


def test_verify_unknown_tenant_is_one_line(dsn):
    assert_one_line_error(harness("verify", "--tenant", str(uuid.uuid4()), "--database-url",
                                  dsn), "does not exist", "ZE006")


def test_verify_with_a_tenant_that_is_not_a_uuid_is_bad_usage(dsn):
    """Exit code 2 means bad usage, as for every other malformed argument."""
    result = harness("verify", "--tenant", "acme", "--database-url", dsn)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "not a tenant id" in result.stderr and "Traceback" not in result.stderr


def test_verify_names_each_differing_field_and_a_missing_one(dsn, conn):
    """A column added behind the trail: the last event has no such field at all, which verify
    prints as such (not as a null)."""
    tenant = new_tenant(conn, "Fields")
    conn.execute("SELECT erp.sequence_create(%s, NULL, 'SYSTEM', 't', 'INV', 'Invoices')",
                 (tenant,))
    conn.execute("ALTER TABLE erp.erp_sequences ADD COLUMN colour text")
    conn.execute("UPDATE erp.erp_sequences SET name = 'forged', colour = 'red'"
                 " WHERE tenant_id = %s", (tenant,))
    result = harness("verify", "--tenant", str(tenant), "--database-url", dsn)
    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert 'name (row "forged", event "Invoices")' in out
    assert 'colour (row "red", event (no such field))' in out


def _footprint(conn) -> tuple:
    """What a demo would leave in a database: its tenants, events and databases beside it."""
    return (conn.execute("SELECT count(*) FROM erp.erp_tenants").fetchone()[0],
            conn.execute("SELECT count(*) FROM erp.erp_audit_events").fetchone()[0],
            conn.execute("SELECT array_agg(datname ORDER BY datname) FROM pg_database")
            .fetchone()[0])


def test_demo_on_a_server_works_in_a_database_of_its_own_and_drops_it(dsn, conn):
    """The server already holds erp.base databases (this one, the template): the demo's own
    database shares their roles on purpose, without the suite's PGOPTIONS saying so."""
    before = _footprint(conn)
    result = harness("demo", "--database-url", dsn, env={"PGOPTIONS": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    [created] = re.findall(r"demo database (erp_demo_\d+_\d+) on this server", out)
    assert f"dropped demo database {created}" in out and "demo complete" in out
    assert _footprint(conn) == before  # no tenant, no event here, no database left behind
    assert created not in before[2]


def test_demo_interrupted_drops_its_database(dsn, conn):
    """Ctrl-C in the middle of the tour: exit 130, and its database is gone all the same."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.Popen([sys.executable, "-m", "harness", "demo", "--database-url", dsn],
                            cwd=migrate.ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        demo_db = None
        for _ in range(600):  # wait until the tour works in its database (at most a minute)
            row = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'erp_demo_%' "
                               "AND EXISTS (SELECT 1 FROM pg_stat_activity AS a "
                               "WHERE a.datname = pg_database.datname)").fetchone()
            conn.commit()
            if row:
                demo_db = row[0]
                break
            time.sleep(0.1)
        assert demo_db, "the demo never connected to a database of its own"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, out + err
    assert f"dropped demo database {demo_db}" in " ".join(out.split())
    assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                        (demo_db,)).fetchone()[0] == 0


def test_demo_without_createdb_says_so_and_creates_nothing(dsn, conn):
    login = f"demo_no_createdb_{uuid.uuid4().hex[:8]}"
    conn.execute(f"CREATE ROLE {login} LOGIN NOCREATEDB")
    conn.commit()
    try:
        before = _footprint(conn)
        result = harness("demo", "--database-url", make_conninfo(dsn, user=login))
        assert_one_line_error(result, "CREATEDB", "--in-place")
        assert _footprint(conn) == before
    finally:
        conn.execute(f"DROP ROLE {login}")
        conn.commit()


def test_demo_in_place_on_an_existing_database_twice(dsn):
    for _ in range(2):  # new tenants on every run: re-runs never collide
        result = harness("demo", "--database-url", dsn, "--in-place")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "demo database" not in result.stdout
    out = result.stdout
    assert "demo complete" in out
    for fragment in ("INV/", "InvalidOperation", "Duplicate", "VersionConflict", "InUse",
                     "AuditImmutable", "gapless"):
        assert fragment in out, fragment
    ok = harness("verify", "--database-url", dsn)
    assert ok.returncode == 0, ok.stdout


def test_stress_short_run_from_the_command_line(dsn):
    result = harness("stress", "--workers", "100", "--seconds", "2", "--tenants", "3",
                     "--database-url", dsn)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "all invariants hold" in result.stdout


def test_db_url_prints_the_development_cluster():
    result = harness("db", "url")
    assert result.returncode == 0
    assert ".pgdata" in result.stdout
