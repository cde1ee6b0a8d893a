"""The upgrade path with psql alone and the function lifecycle: a stale function is dropped by
exact signature, a removed GRANT is revoked, a changed signature leaves no overload behind, a
changed applied migration is refused by name, the bundle refuses to run outside one
transaction, the migrating login is not left a member of erp_owner (superuser and CREATEROLE
database-owner paths), and the runner's waits end with a message naming who holds the lock."""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from erp_ops import migrate
from harness import cluster, testing

BIN = cluster.pg_bindir()


def psql(url: str, path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", *extra, "-f",
                           str(path), url], capture_output=True, text=True, timeout=600)


def bundle_of(sql_dir: Path, tmp_path: Path, name: str = "erp.sql") -> Path:
    path = tmp_path / name
    path.write_text(migrate.bundle(sql_dir))
    return path


def execute_grants(url: str, signature: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT a.grantee::regrole::text FROM pg_proc AS p"
            " CROSS JOIN LATERAL aclexplode(p.proacl) AS a"
            " WHERE p.oid = to_regprocedure(%s) AND a.grantee <> p.proowner", (signature,))}


def exists(url: str, signature: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regprocedure(%s) IS NOT NULL", (signature,)).fetchone()[0]


# ---- the bundle upgrades in place ---------------------------------------------------------------
def test_the_bundle_installs_then_reports_it_is_current(empty_db, tmp_path):
    path = bundle_of(migrate.SQL_DIR, tmp_path)
    first = psql(empty_db, path, "-1")
    assert first.returncode == 0, first.stderr
    assert re.search(r"applied 0001_roles_and_schemas\.sql, .*0009_", first.stderr)
    second = psql(empty_db, path, "-1")
    assert second.returncode == 0, second.stderr
    assert "already current; no migration applied" in second.stderr


def test_the_bundle_refuses_to_run_outside_one_transaction(empty_db, tmp_path):
    result = psql(empty_db, bundle_of(migrate.SQL_DIR, tmp_path))  # no -1
    assert result.returncode != 0
    assert "run the bundle in one transaction" in result.stderr
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regnamespace('erp')").fetchone()[0] is None


def test_a_changed_applied_migration_is_refused_by_name(empty_db, tmp_path, sql_copy):
    assert psql(empty_db, bundle_of(migrate.SQL_DIR, tmp_path), "-1").returncode == 0
    changed = sql_copy / "schema" / "0003_sequences.sql"
    changed.write_text(changed.read_text() + "\n-- edited after it was applied\n")
    result = psql(empty_db, bundle_of(sql_copy, tmp_path, "changed.sql"), "-1")
    assert result.returncode != 0
    assert "applied migration 0003_sequences.sql has changed since it was applied" in result.stderr


def test_a_database_newer_than_the_bundle_is_refused(empty_db, tmp_path, sql_copy):
    extra = sql_copy / "schema" / "0099_later.sql"
    extra.write_text("SET LOCAL ROLE erp_owner;\nCREATE TABLE erp.later (x int);\n")
    assert psql(empty_db, bundle_of(sql_copy, tmp_path, "newer.sql"), "-1").returncode == 0
    result = psql(empty_db, bundle_of(migrate.SQL_DIR, tmp_path), "-1")
    assert result.returncode != 0
    assert "0099_later.sql" in result.stderr and "newer than the bundle" in result.stderr


# ---- the function lifecycle ---------------------------------------------------------------------
@pytest.mark.parametrize("runner", ["bundle", "migrate"])
def test_removed_functions_and_grants_go(empty_db, tmp_path, sql_copy, runner):
    def apply(sql_dir: Path, name: str) -> None:
        if runner == "bundle":
            result = psql(empty_db, bundle_of(sql_dir, tmp_path, name), "-1")
            assert result.returncode == 0, result.stderr
        else:
            migrate.migrate(empty_db, log=lambda *_: None, sql_dir=sql_dir)

    apply(migrate.SQL_DIR, "base.sql")
    convert = "erp.uom_convert(uuid,numeric,uuid,uuid,text)"
    assert execute_grants(empty_db, convert) == {"erp_app", "erp_admin"}
    # a file removed, a GRANT line removed, a signature changed
    (sql_copy / "functions" / "tenant" / "tenant_get.sql").unlink()
    get = sql_copy / "functions" / "uom" / "uom_convert.sql"
    get.write_text(get.read_text().replace(
        "GRANT EXECUTE ON FUNCTION erp.uom_convert(uuid, numeric, uuid, uuid, text)"
        " TO erp_app, erp_admin;\n", ""))
    peek = sql_copy / "functions" / "sequence" / "sequence_peek.sql"
    wider = "p_document_date date DEFAULT NULL, p_note text DEFAULT NULL"
    peek.write_text(peek.read_text().replace("p_document_date date DEFAULT NULL", wider)
                    .replace("(uuid, text, date)", "(uuid, text, date, text)"))
    apply(sql_copy, "changed.sql")
    assert not exists(empty_db, "erp.tenant_get(uuid)"), "a function no file defines stays"
    assert execute_grants(empty_db, convert) == set(), "a removed GRANT stays"
    assert not exists(empty_db, "erp.sequence_peek(uuid,text,date)"), "the old signature stays"
    assert exists(empty_db, "erp.sequence_peek(uuid,text,date,text)")
    with psycopg.connect(empty_db) as conn:
        manifest = {r[0] for r in conn.execute("SELECT signature FROM erp_meta.function_manifest")}
        # migrations' own functions and generated writers are never the lifecycle's to drop
        assert "erp._code_key(text)" not in manifest and "erp._uom_insert" not in str(manifest)
        assert exists(empty_db, "erp._code_key(text)")
        assert conn.execute("SELECT count(*) FROM pg_proc WHERE proname = '_uom_insert'"
                            ).fetchone()[0] == 1


def test_module_functions_are_left_alone(empty_db, tmp_path):
    path = bundle_of(migrate.SQL_DIR, tmp_path)
    assert psql(empty_db, path, "-1").returncode == 0
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("SET ROLE erp_owner")
        conn.execute("CREATE FUNCTION erp.sales_total(p_tenant_id uuid) RETURNS numeric "
                     "LANGUAGE sql AS 'SELECT 0::numeric'")
    assert psql(empty_db, path, "-1").returncode == 0
    assert exists(empty_db, "erp.sales_total(uuid)"), "a module author's function was dropped"


# ---- the migrating login is not left a member of erp_owner ---------------------------------------
def _member(url: str, role: str) -> bool:
    """A usable membership: on 16+ one with SET or INHERIT (an admin-only membership, which
    PostgreSQL gives the creator of a role, lets it grant the role, not act as it)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members AS m WHERE roleid = 'erp_owner'::regrole"
            " AND member = %s::regrole AND coalesce((to_jsonb(m) ->> 'set_option')::boolean"
            " OR (to_jsonb(m) ->> 'inherit_option')::boolean, true))", (role,)).fetchone()[0]


def createrole_login(su: psycopg.Connection, login: str) -> None:
    """A CREATEROLE login; on PostgreSQL 16+ where the roles already exist (this cluster's
    template made them), the one-time superuser grant the README's DBA section documents."""
    su.execute(f'CREATE ROLE "{login}" LOGIN CREATEROLE')
    if su.info.server_version >= 160000:
        su.execute("GRANT erp_owner, erp_app, erp_auditor, erp_admin, erp_replicator"
                   f' TO "{login}" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE')


@contextlib.contextmanager
def dba_database(server) -> Iterator[tuple[str, str]]:
    """A database owned by a new CREATEROLE login (not a superuser): its URL for that login and
    the login's name; both dropped afterwards."""
    login = testing.unique_name("dba")
    dbname = testing.unique_name("erp_dbo")
    with psycopg.connect(server.url, autocommit=True) as su:
        createrole_login(su, login)
        su.execute(f'CREATE DATABASE "{dbname}" OWNER "{login}"')
    try:
        yield make_conninfo(server.url_for(dbname), user=login), login
    finally:
        with psycopg.connect(server.url, autocommit=True) as su:
            su.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            su.execute(f'DROP ROLE IF EXISTS "{login}"')


def test_createrole_database_owner_installs_and_upgrades_and_keeps_no_membership(
        server, tmp_path):
    with dba_database(server) as (url, login):
        path = bundle_of(migrate.SQL_DIR, tmp_path)
        result = psql(url, path, "-1")
        assert result.returncode == 0, result.stderr
        assert not _member(url, login), "the installing login stayed a member of erp_owner"
        again = psql(url, path, "-1")
        assert again.returncode == 0, again.stderr
        assert not _member(url, login)
        # the runner path, same login (base: the bundle above is base's)
        assert migrate.migrate(url, module="base", log=lambda *_: None) == []
        assert not _member(url, login)
        with psycopg.connect(url) as conn:
            owner = conn.execute("SELECT nspowner::regrole::text FROM pg_namespace"
                                 " WHERE nspname = 'erp'").fetchone()[0]
        assert owner == "erp_owner"


def test_an_upgrade_removes_the_membership_an_earlier_install_left(server, tmp_path):
    """0.1.0's first migration left a non-superuser installer in erp_owner for good."""
    with dba_database(server) as (url, login):
        old = migrate.ROOT / "releases" / "v0.1.0" / "erp.sql"
        assert psql(url, old, "-1").returncode == 0
        assert _member(url, login), "0.1.0 no longer behaves as it did"
        result = psql(url, bundle_of(migrate.SQL_DIR, tmp_path), "-1")
        assert result.returncode == 0, result.stderr
        assert not _member(url, login)


def test_a_superuser_install_makes_no_membership(empty_db, tmp_path):
    assert psql(empty_db, bundle_of(migrate.SQL_DIR, tmp_path), "-1").returncode == 0
    with psycopg.connect(empty_db) as conn:
        members = conn.execute("SELECT count(*) FROM pg_auth_members"
                               " WHERE roleid = 'erp_owner'::regrole").fetchone()[0]
    assert members == 0


# ---- the runner never waits silently ------------------------------------------------------------
def test_a_second_runner_gives_up_naming_the_holder_of_the_migration_lock(dsn):
    with psycopg.connect(dsn, autocommit=True) as holder:
        holder.execute("SET application_name = 'the-other-migrator'")
        holder.execute("SELECT pg_advisory_lock(%s)", (migrate.LOCK_KEY,))
        pid = holder.info.backend_pid
        started = time.monotonic()
        with pytest.raises(migrate.MigrationError) as err:
            migrate.migrate(dsn, log=lambda *_: None, wait=1.0)
        assert time.monotonic() - started < 20
    message = str(err.value)
    assert f"pid {pid}" in message
    assert "the-other-migrator" in message


def test_a_migration_waiting_for_a_lock_fails_fast_naming_the_holder(dsn, sql_copy):
    extra = sql_copy / "schema" / "0099_needs_a_lock.sql"
    extra.write_text("SET LOCAL ROLE erp_owner;\n"
                     "ALTER TABLE erp.erp_partners ADD COLUMN notes text;\n")
    with psycopg.connect(dsn) as holder:  # an open transaction reading partners
        holder.execute("SET application_name = 'a-long-report'")
        holder.execute("SELECT count(*) FROM erp.erp_partners")
        started = time.monotonic()
        with pytest.raises(migrate.MigrationError) as err:
            migrate.migrate(dsn, log=lambda *_: None, sql_dir=sql_copy, lock_timeout="500ms")
        elapsed = time.monotonic() - started
        pid = holder.info.backend_pid
    message = str(err.value)
    assert "0099_needs_a_lock.sql" in message and "lock" in message
    assert f"pid {pid}" in message and "a-long-report" in message
    assert elapsed < 30


def test_a_reparenting_does_not_wait_for_an_advisory_lock_anyone_can_take(conn, dsn, tenant):
    """Any login could hold the advisory key the partner tree used to take (0.1.0)."""
    create = "SELECT id FROM erp.partner_create(%s, NULL, 'SYSTEM', 't', %s, %s)"
    acme = conn.execute(create, (tenant, "ACME", "Acme")).fetchone()[0]
    other = conn.execute(create, (tenant, "OTHER", "Other")).fetchone()[0]
    jane = conn.execute("SELECT id FROM erp.partner_create(%s, NULL, 'SYSTEM', 't', 'JANE', 'Jane',"
                        " 'person', %s)", (tenant, acme)).fetchone()[0]
    with psycopg.connect(dsn, autocommit=True) as squatter:
        key = "hashtextextended('erp.base.partner.parent_id:' || %s, 0)"
        squatter.execute(f"SELECT pg_advisory_lock({key})", (str(tenant),))
        with psycopg.connect(dsn, options="-c lock_timeout=2s") as c:
            row = c.execute("SELECT parent_id FROM erp.partner_update(%s, NULL, 'SYSTEM', 't', %s,"
                            " jsonb_build_object('parent_id', %s::text))",
                            (tenant, jane, str(other))).fetchone()
            c.commit()
    assert row[0] == other


def test_concurrent_reparentings_cannot_build_a_cycle(conn, dsn, tenant):
    """Two moves that together would close a loop (A under B, B under A): one waits for the
    other's row lock on the tenant, then sees it and refuses (ZE009)."""
    a = conn.execute("SELECT id FROM erp.partner_create(%s, NULL, 'SYSTEM', 't', 'A', 'A')",
                     (tenant,)).fetchone()[0]
    b = conn.execute("SELECT id FROM erp.partner_create(%s, NULL, 'SYSTEM', 't', 'B', 'B')",
                     (tenant,)).fetchone()[0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move(child, parent):
        with psycopg.connect(dsn) as c:
            barrier.wait()
            try:
                c.execute("SELECT erp.partner_update(%s, NULL, 'SYSTEM', 't', %s,"
                          " jsonb_build_object('parent_id', %s::text))",
                          (tenant, child, str(parent)))
                time.sleep(0.3)
                c.commit()
                outcomes.append("ok")
            except psycopg.Error as exc:
                outcomes.append(exc.sqlstate)

    threads = [threading.Thread(target=move, args=(a, b)),
               threading.Thread(target=move, args=(b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ZE009", "ok"]
    assert conn.execute("SELECT count(*) FROM erp.audit_verify(%s)", (tenant,)).fetchone()[0] == 0
