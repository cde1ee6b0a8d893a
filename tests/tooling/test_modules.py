"""Modules as a unit, proven with a throwaway module ``test`` (requires base) added to a private
copy of sql/: it installs with its dependency; it is refused (ZE009, nothing written, both
modules and versions named) while base is missing or too old; upgrading it leaves base's
functions and grants untouched and upgrading base leaves its functions alone; its hooks run in
order inside the operation's transaction and a failing one aborts it; a dependency cycle is
refused by name; its bundle applies with psql alone after base's."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import psycopg
import pytest

import harness
from erp_ops import build_bundle, migrate
from harness import cluster

BASE = harness.__version__  # base's version under sql/ (tested equal to its manifest)

BIN = cluster.pg_bindir()
QUIET = {"log": lambda *_: None}

MIGRATION = """\
-- the throwaway module's table, its hook log, and its hooks (defined here so that the
-- migration can register them)
SET LOCAL ROLE erp_owner;
CREATE TABLE erp.test_things (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    name text NOT NULL,
    CONSTRAINT test_things_pkey PRIMARY KEY (tenant_id, id)
);
ALTER TABLE erp.test_things ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.test_things FORCE ROW LEVEL SECURITY;
CREATE POLICY test_things_owner ON erp.test_things TO erp_owner USING (true) WITH CHECK (true);
CREATE TABLE erp.test_hook_calls (
    tenant_id uuid NOT NULL,
    n bigint GENERATED ALWAYS AS IDENTITY,
    hook text NOT NULL,
    name text NOT NULL,
    CONSTRAINT test_hook_calls_pkey PRIMARY KEY (tenant_id, n)
);
ALTER TABLE erp.test_hook_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.test_hook_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY test_hook_calls_owner ON erp.test_hook_calls TO erp_owner USING (true)
WITH CHECK (true);
CREATE FUNCTION erp._test_hook_first(p_tenant_id uuid, p_record jsonb) RETURNS void
LANGUAGE sql AS $fn$
    INSERT INTO erp.test_hook_calls (tenant_id, hook, name)
    VALUES (p_tenant_id, 'first', p_record ->> 'name')
$fn$;
CREATE FUNCTION erp._test_hook_second(p_tenant_id uuid, p_record jsonb) RETURNS void
LANGUAGE sql AS $fn$
    INSERT INTO erp.test_hook_calls (tenant_id, hook, name)
    VALUES (p_tenant_id, 'second', p_record ->> 'name')
$fn$;
CREATE FUNCTION erp._test_hook_refuse(p_tenant_id uuid, p_record jsonb) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_record ->> 'name' = 'bad' THEN
        RAISE EXCEPTION 'thing % refused by a hook', p_record ->> 'name' USING ERRCODE = 'ZE009';
    END IF;
END
$fn$;
SELECT erp_meta.hook_register('erp.test.thing.confirm', 'erp._test_hook_second(uuid,jsonb)', 20);
SELECT erp_meta.hook_register('erp.test.thing.confirm', 'erp._test_hook_refuse(uuid,jsonb)', 30);
SELECT erp_meta.hook_register('erp.test.thing.confirm', 'erp._test_hook_first(uuid,jsonb)', 10);
"""

CONFIRM = """\
CREATE OR REPLACE FUNCTION erp.test_thing_confirm(p_tenant_id uuid, p_name text)
RETURNS erp.test_things
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.test_things;
BEGIN
    INSERT INTO erp.test_things (tenant_id, id, name)
    VALUES (p_tenant_id, gen_random_uuid(), p_name)
    RETURNING * INTO v_row;
    PERFORM erp._hooks_run('erp.test.thing.confirm', p_tenant_id, to_jsonb(v_row));
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.test_thing_confirm(uuid, text) IS 'Confirms a thing (runs the hooks).';
REVOKE ALL ON FUNCTION erp.test_thing_confirm(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.test_thing_confirm(uuid, text) TO erp_app;
"""

COUNT = """\
CREATE OR REPLACE FUNCTION erp.test_thing_count(p_tenant_id uuid) RETURNS bigint
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT count(*) FROM erp.test_things AS t WHERE t.tenant_id = p_tenant_id
$fn$;
COMMENT ON FUNCTION erp.test_thing_count(uuid) IS 'How many things.';
REVOKE ALL ON FUNCTION erp.test_thing_count(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.test_thing_count(uuid) TO erp_app, erp_auditor;
"""


def add_module(root: Path, name: str = "test", version: str = "1.0.0",
               requires: dict | None = None, migration: str = MIGRATION,
               functions: dict[str, str] | None = None) -> Path:
    """Writes module ``name`` into the sql/ folder ``root``; returns its folder."""
    folder = root / name
    (folder / "schema").mkdir(parents=True, exist_ok=True)
    (folder / "module.json").write_text(json.dumps({
        "name": name, "version": version,
        "requires": {"base": BASE} if requires is None else requires,
        "description": f"throwaway module {name}"}))
    (folder / "schema" / f"0001_{name}_things.sql").write_text(migration)
    for relative, text in (functions if functions is not None
                           else {"thing/test_thing_confirm.sql": CONFIRM}).items():
        (folder / "functions" / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / "functions" / relative).write_text(text)
    return folder


FUNCTIONS = """
SELECT m.signature, p.oid::bigint, p.xmin::text, coalesce(p.proacl::text, ''),
    md5(pg_get_functiondef(p.oid))
FROM erp_meta.function_manifest AS m
JOIN pg_proc AS p ON p.oid = to_regprocedure(m.signature)
WHERE m.module = %s ORDER BY 1
"""


def functions_of(url: str, module: str) -> list[tuple]:
    """Each function of ``module``: signature, oid, row version, grants, definition."""
    with psycopg.connect(url) as conn:
        return conn.execute(FUNCTIONS, (module,)).fetchall()


def written(url: str) -> dict:
    """What an install writes: schemas, the ledger, the registry, test tables."""
    with psycopg.connect(url) as conn:
        q = conn.execute
        out = {"schemas": sorted(r[0] for r in q(
            "SELECT nspname FROM pg_namespace WHERE nspname IN ('erp', 'erp_meta')"))}
        if "erp_meta" in out["schemas"]:
            out["ledger"] = q("SELECT module, filename FROM erp_meta.schema_migrations"
                              " ORDER BY 1, 2").fetchall()
            out["modules"] = q("SELECT name, version FROM erp_meta.modules ORDER BY 1").fetchall()
            out["hooks"] = q("SELECT count(*) FROM erp_meta.hooks").fetchone()[0]
            out["tables"] = q("SELECT to_regclass('erp.test_things') IS NOT NULL").fetchone()[0]
        return out


def psql(url: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f",
                           str(path), url], capture_output=True, text=True, timeout=600)


# ---- manifests and order ---------------------------------------------------------------------
def test_the_release_version_is_bases_manifest_version():
    manifest = json.loads((migrate.SQL_DIR / "module.json").read_text())
    assert harness.__version__ == manifest["version"]
    assert migrate.read_module(migrate.SQL_DIR).version == manifest["version"]
    assert manifest["name"] == "base" and manifest["requires"] == {}


def test_every_module_comes_after_what_it_requires(sql_root_copy):
    add_module(sql_root_copy)
    add_module(sql_root_copy, "bridge", requires={"test": "1.0.0", "base": BASE},
               migration="SELECT 1;\n", functions={})
    assert [m.name for m in migrate.install_order(sql_root_copy)] == ["base", "test", "bridge"]
    assert [m.name for m in migrate.install_order(sql_root_copy, "test")] == ["base", "test"]
    with pytest.raises(migrate.MigrationError, match="no module 'nope'"):
        migrate.install_order(sql_root_copy, "nope")


def test_a_dependency_cycle_is_refused_by_name(sql_root_copy, empty_db):
    add_module(sql_root_copy, "alpha", requires={"base": BASE, "beta": "1.0.0"},
               migration="SELECT 1;\n", functions={})
    add_module(sql_root_copy, "beta", requires={"alpha": "1.0.0"}, migration="SELECT 1;\n",
               functions={})
    with pytest.raises(migrate.MigrationError,
                       match="modules require each other in a cycle: alpha -> beta -> alpha"):
        migrate.migrate(empty_db, sql_dir=sql_root_copy, **QUIET)
    assert written(empty_db) == {"schemas": []}


def test_a_requirement_missing_from_sql_or_too_old_there_is_refused(sql_root_copy, empty_db):
    add_module(sql_root_copy, requires={"base": BASE, "ghost": "1.0.0"})
    with pytest.raises(migrate.MigrationError, match="erp.test 1.0.0 requires module ghost "
                       "1.0.0 or later, which is not under") as caught:
        migrate.migrate(empty_db, sql_dir=sql_root_copy, **QUIET)
    assert caught.value.sqlstate == "ZE009"
    add_module(sql_root_copy, requires={"base": "9.0.0"})
    with pytest.raises(migrate.MigrationError, match=r"erp.test 1.0.0 requires module base "
                       rf"9.0.0 or later; sql/base is {BASE}") as caught:
        migrate.migrate(empty_db, sql_dir=sql_root_copy, **QUIET)
    assert caught.value.sqlstate == "ZE009"
    assert written(empty_db) == {"schemas": []}


# ---- install, refusals -----------------------------------------------------------------------
def test_a_module_installs_with_its_dependency(sql_root_copy, empty_db):
    add_module(sql_root_copy)
    applied = migrate.migrate(empty_db, sql_dir=sql_root_copy, module="test", **QUIET)
    assert "0001_roles_and_schemas.sql" in applied and applied[-1] == "test/0001_test_things.sql"
    state = written(empty_db)
    assert state["modules"] == [("base", BASE), ("test", "1.0.0")]
    assert ("test", "0001_test_things.sql") in state["ledger"]
    assert ("base", "0014_modules.sql") in state["ledger"]
    assert state["hooks"] == 3
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT requires, description FROM erp_meta.modules"
                            " WHERE name = 'test'").fetchone() == ({"base": BASE},
                                                                   "throwaway module test")
        assert [r[0] for r in conn.execute(FUNCTIONS, ("test",))] == [
            "erp.test_thing_confirm(uuid,text)"]
        assert conn.execute("SELECT has_function_privilege('erp_app',"
                            " 'erp.test_thing_confirm(uuid,text)', 'EXECUTE')").fetchone()[0]
    # again: nothing to apply, nothing changes
    before = functions_of(empty_db, "test") + functions_of(empty_db, "base")
    assert migrate.migrate(empty_db, sql_dir=sql_root_copy, **QUIET) == []
    assert [f[0] for f in functions_of(empty_db, "test") + functions_of(empty_db, "base")] == [
        f[0] for f in before]


def test_a_module_is_refused_while_base_is_missing(sql_root_copy, empty_db):
    module = add_module(sql_root_copy)
    with pytest.raises(migrate.MigrationError) as caught:
        migrate.migrate(empty_db, sql_dir=module, **QUIET)
    assert caught.value.sqlstate == "ZE009"
    assert f"module erp.test 1.0.0 requires module base {BASE} or later, which is not installed" \
        in str(caught.value)
    assert written(empty_db) == {"schemas": []}


def test_a_module_is_refused_while_base_is_too_old(sql_root_copy, dsn):
    module = add_module(sql_root_copy, requires={"base": "0.10.0"})
    before = written(dsn)
    with pytest.raises(migrate.MigrationError) as caught:
        migrate.migrate(dsn, sql_dir=module, **QUIET)
    assert caught.value.sqlstate == "ZE009"
    assert f"module erp.test 1.0.0 requires module base 0.10.0 or later; {BASE} is installed" \
        in str(caught.value)  # versions compare as numbers (as text "0.10.0" sorts first)
    assert written(dsn) == before and before["tables"] is False


def test_a_module_may_not_redefine_another_modules_function(sql_root_copy, dsn):
    get = (migrate.SQL_DIR / "functions" / "tenant" / "tenant_get.sql").read_text()
    module = add_module(sql_root_copy, functions={"tenant/tenant_get.sql": get})
    before = written(dsn)
    with pytest.raises(migrate.MigrationError,
                       match=r"its files define functions of another module: "
                       r"erp\.tenant_get\(uuid\) \(module base\)") as caught:
        migrate.migrate(dsn, sql_dir=module, **QUIET)
    assert caught.value.sqlstate == "ZE009"
    after = written(dsn)
    # its migration committed (each migration is its own transaction); its functions did not
    assert after["modules"] == before["modules"]
    assert functions_of(dsn, "test") == []


# ---- upgrades leave the other modules alone ---------------------------------------------------
def test_upgrading_a_module_leaves_base_functions_and_grants_untouched(sql_root_copy, dsn):
    module = add_module(sql_root_copy)
    migrate.migrate(dsn, sql_dir=module, **QUIET)
    base_before = functions_of(dsn, "base")
    assert len(base_before) > 50
    # 1.1.0: one more function, the confirm function granted to nobody any more
    add_module(sql_root_copy, version="1.1.0", functions={
        "thing/test_thing_confirm.sql": CONFIRM.replace(
            "GRANT EXECUTE ON FUNCTION erp.test_thing_confirm(uuid, text) TO erp_app;\n", ""),
        "thing/test_thing_count.sql": COUNT})
    lines: list[str] = []
    migrate.migrate(dsn, sql_dir=module, log=lines.append)
    assert functions_of(dsn, "base") == base_before
    assert "created erp.test_thing_count(uuid)" in lines
    assert "revoked erp.test_thing_confirm(uuid,text) from erp_app" in lines
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT version, upgraded_at IS NOT NULL FROM erp_meta.modules"
                            " WHERE name = 'test'").fetchone() == ("1.1.0", True)
    # 1.2.0: the confirm function's file is gone: it is dropped, base's stay
    (module / "functions" / "thing" / "test_thing_confirm.sql").unlink()
    add_module(sql_root_copy, version="1.2.0", functions={})
    lines.clear()
    migrate.migrate(dsn, sql_dir=module, log=lines.append)
    assert lines.count("dropped erp.test_thing_confirm(uuid,text)") == 1
    assert [f[0] for f in functions_of(dsn, "test")] == ["erp.test_thing_count(uuid)"]
    assert functions_of(dsn, "base") == base_before


def test_upgrading_base_leaves_the_modules_functions_alone(sql_root_copy, dsn):
    module = add_module(sql_root_copy, functions={"thing/test_thing_confirm.sql": CONFIRM,
                                                  "thing/test_thing_count.sql": COUNT})
    migrate.migrate(dsn, sql_dir=module, **QUIET)
    module_before = functions_of(dsn, "test")
    assert len(module_before) == 2
    (sql_root_copy / "base" / "functions" / "tenant" / "tenant_get.sql").unlink()
    lines: list[str] = []
    migrate.migrate(dsn, sql_dir=sql_root_copy / "base", log=lines.append)
    assert "dropped erp.tenant_get(uuid)" in lines
    assert not [line for line in lines if "test_" in line]
    assert functions_of(dsn, "test") == module_before
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM erp_meta.hooks WHERE module = 'test'"
                            ).fetchone()[0] == 3


# ---- hooks ---------------------------------------------------------------------------------
def test_hooks_run_in_order_and_a_failing_hook_aborts_the_operation(sql_root_copy, dsn, tenant):
    migrate.migrate(dsn, sql_dir=add_module(sql_root_copy), **QUIET)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET ROLE erp_app")
        assert conn.execute("SELECT (erp.test_thing_confirm(%s, 'good')).name",
                            (tenant,)).fetchone() == ("good",)
        conn.execute("RESET ROLE")
        assert conn.execute("SELECT hook, name FROM erp.test_hook_calls WHERE tenant_id = %s"
                            " ORDER BY n", (tenant,)).fetchall() == [("first", "good"),
                                                                   ("second", "good")]
        state = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("erp.test_things", "erp.test_hook_calls", "erp.erp_audit_events")]
        with pytest.raises(psycopg.Error) as caught:
            conn.execute("SELECT erp.test_thing_confirm(%s, 'bad')", (tenant,))
        assert caught.value.sqlstate == "ZE009"
        assert "thing bad refused by a hook" in str(caught.value)
        assert [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("erp.test_things", "erp.test_hook_calls",
                          "erp.erp_audit_events")] == state
        # a hook nobody registered runs nothing
        assert conn.execute("SELECT erp._hooks_run('erp.test.thing.archive', %s, '{}')",
                            (tenant,)).fetchone() == (0,)


@pytest.mark.parametrize(("setup", "hook", "function", "position", "code"), [
    ("", "erp.test.thing.confirm", "erp._test_hook_first(uuid,jsonb)", 40, "ZE009"),
    ("test", "Sales Order Confirm", "erp._test_hook_first(uuid,jsonb)", 40, "ZE003"),
    ("test", "erp.test.thing.confirm", "erp.tenant_get(uuid)", 40, "ZE003"),
    ("test", "erp.test.thing.confirm", "erp._test_hook_first(uuid,jsonb)", None, "ZE003"),
    ("test", "erp.test.thing.confirm", "erp._test_hook_second(uuid,jsonb)", 10, "ZE002"),
], ids=["outside-a-module", "bad-name", "bad-signature", "no-position", "position-taken"])
def test_hook_register_refusals(sql_root_copy, dsn, setup, hook, function, position, code):
    migrate.migrate(dsn, sql_dir=add_module(sql_root_copy), **QUIET)
    with psycopg.connect(dsn) as conn:
        before = conn.execute("SELECT hook, function::text, position FROM erp_meta.hooks"
                              " ORDER BY 1, 3").fetchall()
        conn.execute("SELECT set_config('erp.module', %s, true)", (setup,))
        with pytest.raises(psycopg.Error) as caught:
            conn.execute("SELECT erp_meta.hook_register(%s, %s::regprocedure, %s)",
                         (hook, function, position))
        assert caught.value.sqlstate == code
        conn.rollback()
        assert conn.execute("SELECT hook, function::text, position FROM erp_meta.hooks"
                            " ORDER BY 1, 3").fetchall() == before


# ---- bundles -------------------------------------------------------------------------------
def test_bundles_one_per_module_applied_with_psql_alone(sql_root_copy, empty_db, tmp_path):
    add_module(sql_root_copy)
    written_files = build_bundle.write_all(tmp_path / "dist", sql_root_copy)
    assert [p.name for p in written_files] == ["erp.sql", "erp-test.sql"]
    base_bundle, test_bundle = written_files
    assert "erp.test 1.0.0 bundle" in test_bundle.read_text()[:100]
    # before base: refused, nothing written
    refused = psql(empty_db, test_bundle)
    assert refused.returncode != 0
    assert f"requires module base {BASE} or later, which is not installed" in refused.stderr
    assert written(empty_db) == {"schemas": []}
    # after base's bundle
    assert psql(empty_db, base_bundle).returncode == 0
    result = psql(empty_db, test_bundle)
    assert result.returncode == 0, result.stderr
    assert "erp.test 1.0.0: applied 0001_test_things.sql" in result.stderr
    state = written(empty_db)
    assert state["modules"] == [("base", BASE), ("test", "1.0.0")]
    assert ("test", "0001_test_things.sql") in state["ledger"] and state["hooks"] == 3
    base_functions = functions_of(empty_db, "base")
    again = psql(empty_db, test_bundle)
    assert again.returncode == 0 and "erp.test 1.0.0: the database is already current" \
        in again.stderr
    assert functions_of(empty_db, "base") == base_functions
    # base's bundle again leaves the module's functions alone
    test_functions = functions_of(empty_db, "test")
    assert psql(empty_db, base_bundle).returncode == 0
    assert functions_of(empty_db, "test") == test_functions


def test_a_module_bundle_is_refused_while_base_is_too_old(sql_root_copy, dsn, tmp_path):
    module = add_module(sql_root_copy, requires={"base": "9.0.0"})
    path = tmp_path / "erp-test.sql"
    path.write_text(migrate.bundle(module))
    before = written(dsn)
    result = psql(dsn, path)
    assert result.returncode != 0
    assert "ZE009" in result.stderr or f"requires module base 9.0.0 or later; {BASE} is installed" \
        in result.stderr
    assert f"module erp.test 1.0.0 requires module base 9.0.0 or later; {BASE} is installed" \
        in result.stderr
    assert written(dsn) == before




def test_a_fresh_install_records_every_module_as_installed_not_upgraded(conn):
    """The template installs every module under sql/: each is recorded with its manifest's
    version and requirements, none as upgraded, and every migration under its module."""
    want = sorted((m.name, m.version, m.requires, None)
                  for m in migrate.install_order(migrate.SQL_ROOT))
    assert ("base", harness.__version__, {}, None) in want
    assert conn.execute("SELECT name, version, requires, upgraded_at FROM erp_meta.modules"
                        " ORDER BY name").fetchall() == want
    ledger = conn.execute("SELECT module, filename FROM erp_meta.schema_migrations").fetchall()
    assert sorted(ledger) == sorted((m.name, f.name) for m in migrate.install_order(
        migrate.SQL_ROOT) for f in (m.path / "schema").glob("*.sql"))


@pytest.mark.parametrize(("manifest", "message"), [
    ({"name": "test", "version": "1.x", "requires": {}}, "version is N.N.N"),
    ({"name": "Test!", "version": "1.0.0"}, "name is lower-case letters, digits and _"),
    ({"name": "test", "version": "1.0.0", "requires": {"base": "latest"}},
     'requires is {"module": "minimum version"}'),
    ({"name": "test", "version": "1.0.0", "description": ["two", "lines"]},
     "description is one line of text"),
    ({"name": "other", "version": "1.0.0"}, "names module 'other'; the folder of a module is "
     "sql/<name>"),
], ids=["version", "name", "requires", "description", "folder"])
def test_a_bad_manifest_is_refused_naming_the_problem(sql_root_copy, manifest, message):
    folder = add_module(sql_root_copy)
    (folder / "module.json").write_text(json.dumps(manifest))
    with pytest.raises(migrate.MigrationError, match=re.escape(message)):
        migrate.install_order(sql_root_copy)
    (folder / "module.json").write_text("{not json")
    with pytest.raises(migrate.MigrationError, match="not a readable JSON manifest"):
        migrate.install_order(sql_root_copy)
