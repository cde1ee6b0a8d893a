"""Migration runner: ordered, checksummed, immutable schema steps plus re-applied functions.

* ``sql/schema/NNNN_<name>.sql`` run in order, each in its own transaction, recorded in
  ``erp_meta.schema_migrations`` with a SHA-256 checksum; an applied file whose bytes changed is
  refused (add a new migration instead).
* every ``sql/functions/**/*.sql`` file is re-applied afterwards, in one transaction, with
  ``check_function_bodies = off`` so files need no dependency order; then the generated
  per-entity writers are regenerated (``erp_meta.regenerate_writers()``).
* a session advisory lock serialises concurrent runners; a second run is a no-op.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "sql"  # every entry point takes ``sql_dir`` to run another copy (tests do)
SCHEMA_DIR = SQL_DIR / "schema"
FUNCTIONS_DIR = SQL_DIR / "functions"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
LOCK_KEY = 0x0E4B_A5E0  # pg_advisory_lock key shared by every runner of this module

LEDGER_DDL = """
CREATE SCHEMA IF NOT EXISTS erp_meta;
CREATE TABLE IF NOT EXISTS erp_meta.schema_migrations (
    filename text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms numeric
);
COMMENT ON TABLE erp_meta.schema_migrations IS
    'Ledger of applied sql/schema migrations (filename, SHA-256 of the file, when).';
"""
AFTER_FUNCTIONS = "SELECT erp_meta.regenerate_writers();"
SET_OWNER = "SET LOCAL ROLE erp_owner;"


class MigrationError(RuntimeError):
    """A migration could not be applied or the ledger disagrees with the files."""


@dataclass(frozen=True)
class Migration:
    path: Path

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Status:
    filename: str
    state: str  # applied | pending | changed | missing-file
    applied_at: object = None


def schema_migrations(directory: Path = SCHEMA_DIR) -> list[Migration]:
    """The migration files in order; refuses badly named or duplicate-numbered files."""
    files = sorted(p for p in directory.iterdir() if p.suffix == ".sql")
    seen: dict[str, str] = {}
    for path in files:
        match = MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_<name>.sql")
        number = match.group(1)
        if number in seen:
            raise MigrationError(f"{path.name}: number {number} is also used by {seen[number]}")
        seen[number] = path.name
    return [Migration(p) for p in files]


def function_files(directory: Path = FUNCTIONS_DIR) -> list[Path]:
    return sorted(directory.rglob("*.sql"))


def _ledger(conn: psycopg.Connection) -> dict[str, tuple[str, object]]:
    exists = conn.execute("SELECT to_regclass('erp_meta.schema_migrations') IS NOT NULL").fetchone()
    if not exists[0]:
        return {}
    rows = conn.execute("SELECT filename, checksum, applied_at FROM erp_meta.schema_migrations")
    return {name: (checksum, at) for name, checksum, at in rows}


def status(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[Status]:
    """Every migration file and ledger row: applied, pending, changed or missing-file."""
    ledger = _ledger(conn)
    result = []
    for migration in schema_migrations(sql_dir / "schema"):
        entry = ledger.pop(migration.filename, None)
        if entry is None:
            result.append(Status(migration.filename, "pending"))
        elif entry[0] != migration.checksum:
            result.append(Status(migration.filename, "changed", entry[1]))
        else:
            result.append(Status(migration.filename, "applied", entry[1]))
    result += [Status(name, "missing-file", at) for name, (_, at) in sorted(ledger.items())]
    return result


def _check_ledger(conn: psycopg.Connection, sql_dir: Path) -> list[Migration]:
    """The pending migrations; raises if an applied file changed or disappeared."""
    states = status(conn, sql_dir)
    changed = [s.filename for s in states if s.state == "changed"]
    if changed:
        raise MigrationError(
            f"applied migration {changed[0]} has changed since it was applied; "
            "migrations are immutable: restore the file and add a new migration instead"
        )
    missing = [s.filename for s in states if s.state == "missing-file"]
    if missing:
        raise MigrationError(f"applied migration {missing[0]} is missing from sql/schema")
    pending = {s.filename for s in states if s.state == "pending"}
    return [m for m in schema_migrations(sql_dir / "schema") if m.filename in pending]


def migrate(dsn: str, dry_run: bool = False, log=print, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply pending migrations and re-apply functions. Returns the applied file names
    (with ``dry_run``: the names that would be applied; nothing is written)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        locked = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]
        if not locked:
            log("waiting for another migrator to finish ...")
            conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            if not dry_run:
                with conn.transaction():
                    conn.execute(LEDGER_DDL)
            pending = _check_ledger(conn, sql_dir)
            if dry_run:
                for migration in pending:
                    log(f"would apply {migration.filename}")
                log(f"would re-apply {len(function_files(sql_dir / 'functions'))} function files")
                return [m.filename for m in pending]
            for migration in pending:
                started = time.perf_counter()
                try:
                    with conn.transaction():
                        conn.execute(migration.sql)
                        conn.execute("RESET ROLE")
                        conn.execute(
                            "INSERT INTO erp_meta.schema_migrations"
                            " (filename, checksum, duration_ms) VALUES (%s, %s, %s)",
                            (migration.filename, migration.checksum,
                             round((time.perf_counter() - started) * 1000, 1)),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(f"{migration.filename}: {exc}") from exc
                log(f"applied {migration.filename}")
            apply_functions(conn, sql_dir)
            return [m.filename for m in pending]
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


def apply_functions(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> None:
    with conn.transaction():
        conn.execute("SET LOCAL check_function_bodies = off")
        conn.execute(SET_OWNER)
        for path in function_files(sql_dir / "functions"):
            try:
                conn.execute(path.read_text())
            except psycopg.Error as exc:
                raise MigrationError(f"{path.relative_to(sql_dir.parent)}: {exc}") from exc
        conn.execute(AFTER_FUNCTIONS)


def bundle(sql_dir: Path = SQL_DIR) -> str:
    """One SQL file equivalent to a full `migrate` on an empty database (psql -1 -f)."""
    parts = [
        "-- erp.base bundle: apply with  psql -v ON_ERROR_STOP=1 -1 -f erp.sql",
        "-- generated by `make bundle` from sql/schema and sql/functions; do not edit",
        "SET client_min_messages = warning;",
        LEDGER_DDL.strip(),
    ]
    for migration in schema_migrations(sql_dir / "schema"):
        parts += [
            f"-- ---- {migration.filename}",
            migration.sql.strip(),
            "RESET ROLE;",
            "INSERT INTO erp_meta.schema_migrations (filename, checksum) VALUES "
            f"('{migration.filename}', '{migration.checksum}');",
        ]
    parts += ["-- ---- functions", "SET check_function_bodies = off;", "SET ROLE erp_owner;"]
    for path in function_files(sql_dir / "functions"):
        parts += [f"-- ---- {path.relative_to(sql_dir.parent)}", path.read_text().strip()]
    parts += [AFTER_FUNCTIONS, "RESET ROLE;", "RESET check_function_bodies;", ""]
    return "\n".join(parts) + "\n"
