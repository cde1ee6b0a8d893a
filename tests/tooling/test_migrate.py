"""The migration runner: file naming, ledger, immutability, dry run, status, the advisory lock
between two real runner processes, and the CLI's exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from erp_ops import migrate

BASE_FILES = sorted(p.name for p in migrate.SCHEMA_DIR.iterdir())
# the other modules' migrations, as the runner names them (<module>/<file>), after base's
MODULE_FILES = sorted(f"{p.parent.parent.name}/{p.name}"
                      for p in migrate.SQL_ROOT.glob("*/schema/*.sql")
                      if p.parent.parent.name != "base")
SCHEMA_FILES = BASE_FILES + MODULE_FILES


# ---- helpers -------------------------------------------------------------------------------
def ledger(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT CASE module WHEN 'base' THEN filename ELSE module || '/' || filename END,"
            " checksum, applied_at FROM erp_meta.schema_migrations"
            " ORDER BY module <> 'base', module, filename"
        ).fetchall()


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=migrate.ROOT)


def next_name(sql_dir: Path, name: str) -> Path:
    number = len(list((sql_dir / "schema").glob("*.sql"))) + 1
    return sql_dir / "schema" / f"{number:04d}_{name}.sql"


# ---- naming and order ----------------------------------------------------------------------
def test_migration_files_are_named_and_numbered_contiguously():
    assert SCHEMA_FILES, "sql/base/schema is empty"
    pattern = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
    bad = [name for name in BASE_FILES if not pattern.match(name)]
    assert bad == [], f"not NNNN_<lower_snake>.sql: {bad}"
    numbers = [int(name[:4]) for name in BASE_FILES]
    assert numbers == list(range(1, len(numbers) + 1)), f"gaps or duplicates: {BASE_FILES}"
    assert [m.filename for m in migrate.schema_migrations()] == BASE_FILES


def test_every_migration_sets_its_timeouts():
    """squawk requires them; a migration that waits for a lock must fail, not queue everyone."""
    for path in migrate.SCHEMA_DIR.glob("*.sql"):
        text = path.read_text()
        assert "SET LOCAL lock_timeout" in text, path.name
        assert "SET LOCAL statement_timeout" in text, path.name


@pytest.mark.parametrize("names", [
    ["0001_a.sql", "2_b.sql"],
    ["0001_a.sql", "0002_Bad-Name.sql"],
    ["0001_a.sql", "0001_b.sql"],
])
def test_badly_named_or_duplicate_migrations_are_refused(tmp_path, names):
    for name in names:
        (tmp_path / name).write_text("SELECT 1;\n")
    with pytest.raises(migrate.MigrationError) as err:
        migrate.schema_migrations(tmp_path)
    assert names[1] in str(err.value)


# ---- apply, no-op, dry run -----------------------------------------------------------------
def test_migrate_applies_every_file_once_then_is_a_noop(empty_db):
    assert migrate.migrate(empty_db, log=lambda *_: None) == SCHEMA_FILES
    first = ledger(empty_db)
    assert [row[0] for row in first] == SCHEMA_FILES
    assert all(len(row[1]) == 64 for row in first)  # SHA-256 hex
    assert [row[1] for row in first][:len(BASE_FILES)] == [
        m.checksum for m in migrate.schema_migrations()]
    assert migrate.migrate(empty_db, log=lambda *_: None) == []
    assert ledger(empty_db) == first


def test_second_migrate_of_the_template_clone_is_a_noop(dsn):
    before = ledger(dsn)
    assert migrate.migrate(dsn, log=lambda *_: None) == []
    assert ledger(dsn) == before


def test_functions_are_reapplied_on_every_migrate(conn, dsn):
    conn.execute("DROP FUNCTION erp.tenant_get(uuid)")
    assert conn.execute("SELECT to_regprocedure('erp.tenant_get(uuid)')").fetchone()[0] is None
    assert migrate.migrate(dsn, log=lambda *_: None) == []
    assert conn.execute(
        "SELECT to_regprocedure('erp.tenant_get(uuid)') IS NOT NULL").fetchone()[0] is True


def test_dry_run_applies_nothing(empty_db):
    said: list[str] = []
    assert migrate.migrate(empty_db, dry_run=True, log=said.append) == SCHEMA_FILES
    assert f"would apply {SCHEMA_FILES[0]}" in said
    with psycopg.connect(empty_db) as conn:
        row = conn.execute("SELECT to_regnamespace('erp'), to_regnamespace('erp_meta')"
                           ).fetchone()
    assert row == (None, None)


def test_dry_run_on_an_up_to_date_database_lists_nothing(dsn):
    before = ledger(dsn)
    assert migrate.migrate(dsn, dry_run=True, log=lambda *_: None) == []
    assert ledger(dsn) == before


# ---- immutability and status ---------------------------------------------------------------
def test_a_changed_applied_file_is_refused_naming_it(dsn, sql_copy):
    assert migrate.migrate(dsn, log=lambda *_: None, sql_dir=sql_copy) == []  # same bytes
    changed = sql_copy / "schema" / SCHEMA_FILES[1]
    changed.write_text(changed.read_text() + "\n-- an edit after it was applied\n")
    before = ledger(dsn)
    with pytest.raises(migrate.MigrationError, match=re.escape(SCHEMA_FILES[1])):
        migrate.migrate(dsn, log=lambda *_: None, sql_dir=sql_copy)
    with pytest.raises(migrate.MigrationError, match=re.escape(SCHEMA_FILES[1])):
        migrate.migrate(dsn, dry_run=True, log=lambda *_: None, sql_dir=sql_copy)
    assert ledger(dsn) == before


def test_cli_refuses_a_changed_file_with_exit_1_and_names_it(conn, dsn):
    conn.execute("UPDATE erp_meta.schema_migrations SET checksum = repeat('0', 64)"
                 " WHERE filename = %s", (SCHEMA_FILES[0],))
    result = cli("--database-url", dsn, "migrate")
    assert result.returncode == 1, result.stdout + result.stderr
    assert SCHEMA_FILES[0] in result.stderr
    assert "Traceback" not in result.stderr
    status = cli("--database-url", dsn, "migrate", "--status")
    assert status.returncode == 1
    assert re.search(rf"^changed\s+{re.escape(SCHEMA_FILES[0])}", status.stdout, re.M)


def test_status_reports_applied_pending_changed_and_missing(dsn, sql_copy):
    def states() -> dict[str, str]:
        with psycopg.connect(dsn) as conn:
            return {s.filename: s.state for s in migrate.status(conn, sql_copy)}

    assert set(states().values()) == {"applied"}
    extra = next_name(sql_copy, "extra_table")
    extra.write_text("SET LOCAL ROLE erp_owner;\nCREATE TABLE erp.extra_table (x int);\n")
    assert states()[extra.name] == "pending"
    (sql_copy / "schema" / SCHEMA_FILES[0]).write_text("-- changed\n")
    (sql_copy / "schema" / SCHEMA_FILES[1]).unlink()
    got = states()
    assert got[SCHEMA_FILES[0]] == "changed"
    assert got[SCHEMA_FILES[1]] == "missing-file"


def test_a_new_migration_is_applied_alone_and_recorded(dsn, sql_copy):
    extra = next_name(sql_copy, "extra_table")
    extra.write_text("SET LOCAL ROLE erp_owner;\nCREATE TABLE erp.extra_table (x int);\n")
    assert migrate.migrate(dsn, log=lambda *_: None, sql_dir=sql_copy) == [extra.name]
    with psycopg.connect(dsn) as conn:
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'erp'"
                             " AND tablename = 'extra_table'").fetchone()
        assert owner == ("erp_owner",)
    assert [row[0] for row in ledger(dsn)] == [*BASE_FILES, extra.name, *MODULE_FILES]


def test_a_failing_migration_rolls_back_alone_and_names_the_file(dsn, sql_copy):
    good = next_name(sql_copy, "good_step")
    good.write_text("SET LOCAL ROLE erp_owner;\nCREATE TABLE erp.good_step (x int);\n")
    bad = sql_copy / "schema" / f"{int(good.name[:4]) + 1:04d}_bad_step.sql"
    bad.write_text("SET LOCAL ROLE erp_owner;\nCREATE TABLE erp.bad_step (x int);\n"
                   "SELECT 1 / 0;\n")
    with pytest.raises(migrate.MigrationError, match=re.escape(bad.name)) as err:
        migrate.migrate(dsn, log=lambda *_: None, sql_dir=sql_copy)
    assert "division by zero" in str(err.value)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT to_regclass('erp.good_step') IS NOT NULL,"
                           " to_regclass('erp.bad_step') IS NULL").fetchone()
    assert row == (True, True)  # each file in its own transaction
    assert [r[0] for r in ledger(dsn)] == [*BASE_FILES, good.name, *MODULE_FILES]


# ---- two runners at once -------------------------------------------------------------------
def test_two_runner_processes_at_once_apply_each_file_once(empty_db):
    """Both processes queue on the advisory lock (held by the test), then race for it."""
    with psycopg.connect(empty_db, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (migrate.LOCK_KEY,))
        runners = [
            subprocess.Popen([sys.executable, "-m", "harness", "--database-url", empty_db,
                              "migrate"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=migrate.ROOT)
            for _ in range(2)
        ]
        try:
            deadline = time.monotonic() + 60
            waiting = 0
            while waiting < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
                waiting = holder.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND NOT granted AND objid::bigint = %s", (migrate.LOCK_KEY,)).fetchone()[0]
            assert waiting == 2, "the two runners never queued on the advisory lock"
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (migrate.LOCK_KEY,))
        outputs = [proc.communicate(timeout=120) for proc in runners]
    for proc, (out, err) in zip(runners, outputs, strict=True):
        assert proc.returncode == 0, out + err
    applied = [out for out, _ in outputs if f"applied {SCHEMA_FILES[0]}" in out]
    assert len(applied) == 1, outputs  # the other one found nothing left to apply
    names = [row[0] for row in ledger(empty_db)]
    assert names == SCHEMA_FILES  # each once (filename is also the primary key)


# ---- command line --------------------------------------------------------------------------
def test_cli_bad_database_url_fails_with_one_clear_line(tmp_path):
    result = cli("--database-url", f"postgresql://nobody@/nodb?host={tmp_path}", "migrate",
                 timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr


def test_cli_malformed_database_url_fails_with_one_clear_line():
    result = cli("--database-url", "not a url", "migrate", timeout=60)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_cli_status_and_dry_run_on_an_up_to_date_database(dsn):
    before = ledger(dsn)
    status = cli("--database-url", dsn, "migrate", "--status")
    assert status.returncode == 0, status.stderr
    rows = [line.split()[:2] for line in status.stdout.strip().splitlines()]
    assert rows == [["applied", name] for name in SCHEMA_FILES]
    dry = cli("--database-url", dsn, "migrate", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would apply" not in dry.stdout
    assert ledger(dsn) == before
