"""The worked example of docs/modules.md is a module that works: its files, exactly as the page
shows them (the blocks marked ``<!-- file: path -->``), are written into a copy of sql/, installed
by the runner after the modules it requires, tested with pg_prove, and bundled."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from erp_ops import build_bundle, migrate
from harness import cluster, doctest_readme

PAGE = migrate.ROOT / "docs" / "modules.md"
QUIET = {"log": lambda *_: None}


@pytest.fixture
def sql_root_copy(tmp_path) -> Path:
    """A copy of sql/ with every module (tests aside): the example requires sales."""
    target = tmp_path / "sql"
    shutil.copytree(migrate.SQL_ROOT, target, ignore=shutil.ignore_patterns("tests"))
    return target


@pytest.fixture
def example() -> dict[str, str]:
    files = doctest_readme.example_files(PAGE.read_text())
    assert "sql/loyalty/module.json" in files, "docs/modules.md lost its worked example"
    return files


def write(root, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root.parent / path  # paths start with sql/
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def test_the_example_is_a_complete_module(example):
    manifest = json.loads(example["sql/loyalty/module.json"])
    assert manifest["name"] == "loyalty" and set(manifest["requires"]) == {"sales"}
    kinds = {path.split("/")[2] for path in example if path.count("/") > 2}
    assert kinds == {"schema", "functions", "tests"}


def test_the_example_installs_and_its_test_passes(example, sql_root_copy, empty_db):
    write(sql_root_copy, example)
    migrate.migrate(empty_db, sql_dir=sql_root_copy, **QUIET)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT version FROM erp_meta.modules WHERE name = 'loyalty'"
                            ).fetchone() == ("1.0.0",)
        hooks = conn.execute("SELECT function FROM erp_meta.hooks"
                             " WHERE hook = 'erp.sales.order.confirm' AND module = 'loyalty'")
        assert hooks.fetchall() == [("erp._loyalty_on_order_confirm(uuid,jsonb)",)]
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")  # as in the tests' template
    params = conninfo_to_dict(empty_db)
    env = dict(os.environ, PGHOST=params.get("host", ""), PGPORT=str(params.get("port", 5432)),
               PGUSER=params.get("user", "postgres"), PGDATABASE=params["dbname"])
    result = subprocess.run(["pg_prove", "--verbose", "--failures",
                             str(sql_root_copy / "loyalty" / "tests" / "10_loyalty.sql")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Tests=4" in result.stdout + result.stderr


def test_the_example_bundles_and_installs_with_psql(example, sql_root_copy, tmp_path, empty_db):
    """make bundle's way: one file per module, applied with psql -1 -f in install order."""
    write(sql_root_copy, example)
    written = build_bundle.write_all(tmp_path / "dist", root=sql_root_copy)
    names = [p.name for p in written]
    assert names[0] == "erp.sql" and names.index("erp-loyalty.sql") > names.index("erp-sales.sql")
    for bundle in written:
        result = subprocess.run([str(cluster.pg_bindir() / "psql"), "-X", "-q", "-v",
                                 "ON_ERROR_STOP=1", "-1", "-f", str(bundle), empty_db],
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT count(*) FROM erp_meta.schema_migrations"
                            " WHERE module = 'loyalty'").fetchone() == (1,)
