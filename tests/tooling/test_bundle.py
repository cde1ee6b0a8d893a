"""`make bundle`: the single SQL file a DBA applies with psql must build exactly the schema
the migration runner builds, and leave a ledger the runner accepts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from erp_ops import __version__, migrate
from harness import cluster, testing
from tests.conftest import fresh_databases

BIN = cluster.pg_bindir()
# pg_dump 15.14+ brackets its output with \restrict <random key> / \unrestrict <key>
VOLATILE_PREFIXES = ("\\restrict ", "\\unrestrict ")


@pytest.fixture
def empty_dbs(server: testing.Server) -> Iterator[tuple[str, str]]:
    yield from fresh_databases(server, "erp_bundle")


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory) -> Path:
    """Written by the command `make bundle` runs."""
    out = tmp_path_factory.mktemp("dist") / "erp.sql"
    result = subprocess.run([sys.executable, "-m", "harness", "bundle", "--output", str(out)],
                            capture_output=True, text=True, timeout=60, cwd=migrate.ROOT)
    assert result.returncode == 0, result.stderr
    return out


def psql_file(url: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(path), url],
        capture_output=True, text=True, timeout=300,
    )


def schema_dump(url: str) -> str:
    """pg_dump --schema-only, owners and privileges included; only volatile lines removed."""
    result = subprocess.run([str(BIN / "pg_dump"), "--schema-only", "--dbname", url],
                            capture_output=True, text=True, timeout=300, check=True)
    lines = [line for line in result.stdout.splitlines()
             if not line.startswith(VOLATILE_PREFIXES)]
    return "\n".join(lines) + "\n"


def ledger(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT filename, checksum FROM erp_meta.schema_migrations"
                            " ORDER BY filename").fetchall()


def test_bundle_is_the_generated_file(bundle_file):
    assert bundle_file.read_text() == migrate.bundle()
    assert bundle_file.read_text().startswith(f"-- erp.base {__version__} bundle")


def test_bundle_and_runner_build_identical_schemas(empty_dbs, bundle_file):
    by_bundle, by_runner = empty_dbs
    applied = psql_file(by_bundle, bundle_file)
    assert applied.returncode == 0, applied.stderr
    assert migrate.migrate(by_runner, module="base", log=lambda *_: None) == [
        m.filename for m in migrate.schema_migrations()]

    bundle_schema, runner_schema = schema_dump(by_bundle), schema_dump(by_runner)
    assert "CREATE TABLE erp.erp_audit_events" in runner_schema
    assert "OWNER TO erp_owner" in runner_schema  # owners are compared too
    if bundle_schema != runner_schema:  # show the first differing lines, not 3000 of them
        import difflib

        diff = difflib.unified_diff(runner_schema.splitlines(), bundle_schema.splitlines(),
                                    "runner", "bundle", lineterm="", n=2)
        pytest.fail("schemas differ:\n" + "\n".join(list(diff)[:80]))
    assert ledger(by_bundle) == ledger(by_runner)

    # a database installed from the bundle is upgraded by the runner: nothing to do now
    assert migrate.migrate(by_bundle, module="base", log=lambda *_: None) == []
    assert schema_dump(by_bundle) == bundle_schema


def test_bundle_is_all_or_nothing(empty_dbs, bundle_file, tmp_path):
    """With psql -1 a failure anywhere leaves the database untouched."""
    broken = tmp_path / "broken.sql"
    broken.write_text(bundle_file.read_text() + "SELECT 1 / 0;\n")
    target = empty_dbs[0]
    result = psql_file(target, broken)
    assert result.returncode != 0
    assert "division by zero" in result.stderr
    with psycopg.connect(target) as conn:
        row = conn.execute("SELECT to_regnamespace('erp'), to_regnamespace('erp_meta')"
                           ).fetchone()
    assert row == (None, None)
