"""Who may install, and where: a CREATEROLE database owner (not a superuser) installs,
re-applies and upgrades on every major, whether or not the roles exist already, and keeps no
usable membership in erp_owner; every login's path to erp_owner (through groups too) is
reported; a first install refuses a database that is not UTF-8 and a second erp.base database
on the cluster unless erp.allow_shared_roles says so.

PostgreSQL 16 changed CREATEROLE: the creator of a role holds it WITH ADMIN OPTION only (no
SET, no INHERIT), and granting a role takes ADMIN OPTION. Run on every major with
``PG_MAJOR=16|17|18 make test``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from erp_ops import migrate
from harness import cluster, testing

BIN = cluster.pg_bindir()
REFUSE_SHARED = f"-c {migrate.ALLOW_SHARED_ROLES}=off"  # overrides the suite's PGOPTIONS


def psql(url: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                           "-v", "VERBOSITY=verbose", "-1", "-f", str(path), url],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "erp.sql"
    path.write_text(migrate.bundle())
    return path


def memberships(url: str, login: str) -> set[tuple[str, bool]]:
    """(role, usable) of every membership of ``login`` in an erp role; usable: SET or INHERIT
    (always on 15)."""
    with psycopg.connect(url) as conn:
        return {(r, u) for r, u in conn.execute(
            "SELECT m.roleid::regrole::text, coalesce((to_jsonb(m) ->> 'set_option')::boolean"
            " OR (to_jsonb(m) ->> 'inherit_option')::boolean, true)"
            " FROM pg_auth_members AS m WHERE m.member = %s::regrole"
            " AND m.roleid::regrole::text LIKE 'erp\\_%%'", (login,))}


def installed(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regnamespace('erp') IS NOT NULL").fetchone()[0]


def check_createrole_owner(su_url: str, url: str, login: str, bundle_file: Path,
                           major: int) -> None:
    """Install, re-apply (bundle and runner), then what the README's DBA section does."""
    first = psql(url, bundle_file)
    assert first.returncode == 0, first.stderr
    assert "applied 0001_roles_and_schemas.sql" in first.stderr
    again = psql(url, bundle_file)
    assert again.returncode == 0, again.stderr
    assert "already current" in again.stderr
    assert migrate.migrate(url, module="base", log=lambda *_: None) == []  # base's bundle
    kept = memberships(url, login)
    assert ("erp_owner", True) not in kept, "the installer kept a usable erp_owner membership"
    if major >= 16:  # the creator's (or the superuser-given) right to grant, nothing more
        assert ("erp_owner", False) in kept
        assert "keeps ADMIN OPTION on erp_owner" in again.stderr
    # pg_read_all_stats: granted, or the install said who must grant it
    with psycopg.connect(su_url) as su:
        stats = su.execute("SELECT pg_has_role('erp_owner', 'pg_read_all_stats', 'MEMBER')"
                           ).fetchone()[0]
    assert stats or "may not grant pg_read_all_stats" in first.stderr
    # the README's DBA section, as this login
    app = testing.unique_name("billing")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{app}" LOGIN IN ROLE erp_app')
        conn.execute(f'GRANT erp_auditor TO "{app}"')
    with psycopg.connect(make_conninfo(url, user=app)) as conn:
        assert conn.execute("SELECT count(*) FROM erp.audit_partitions()").fetchone()[0] >= 4
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT erp.tenant_create(gen_random_uuid(), NULL, 'SYSTEM', 't',"
                         " 'X', 'UTC')")


def test_createrole_owner_creates_the_roles_on_a_new_cluster(bundle_file):
    """The roles do not exist yet: the login creates them (on 16+ it holds them admin-only)."""
    with cluster.Cluster.temporary_cluster() as c, \
            psycopg.connect(c.url(), autocommit=True) as su:
        su.execute("CREATE ROLE dba LOGIN CREATEROLE")
        su.execute("CREATE DATABASE erp OWNER dba")
        major = su.info.server_version // 10000
        url = make_conninfo(c.url("erp"), user="dba")
        check_createrole_owner(c.url("erp"), url, "dba", bundle_file, major)
        # the runner installs too (a second database of the same login, on purpose)
        su.execute("CREATE DATABASE erp_runner OWNER dba")
        runner_url = make_conninfo(c.url("erp_runner"), user="dba",
                                   options=f"-c {migrate.ALLOW_SHARED_ROLES}=on")
        applied = migrate.migrate(runner_url, log=lambda *_: None)
        assert applied[0] == "0001_roles_and_schemas.sql"
        assert ("erp_owner", True) not in memberships(runner_url, "dba")
        # an upgrade from the previous release, by the same kind of login
        su.execute("CREATE ROLE dba2 LOGIN CREATEROLE")
        su.execute("CREATE DATABASE erp_old OWNER dba2")
        if major >= 16:
            su.execute("GRANT erp_owner, erp_app, erp_auditor, erp_admin, erp_replicator TO dba2"
                       " WITH ADMIN TRUE, INHERIT FALSE, SET FALSE")
        old_url = make_conninfo(c.url("erp_old"), user="dba2")
        old = psql(old_url, migrate.ROOT / "releases" / "v0.2.0" / "erp.sql")
        assert old.returncode == 0, old.stderr
        upgrade = psql(old_url, bundle_file)
        assert upgrade.returncode == 0, upgrade.stderr
        assert re.search(r"applied .*0013_roles_and_replication\.sql", upgrade.stderr)
        assert ("erp_owner", True) not in memberships(old_url, "dba2")


def test_createrole_owner_where_the_roles_exist(server, template, bundle_file):
    """This cluster's template made the roles (as a superuser). On 16+ the login may not grant
    them until a superuser gives it ADMIN OPTION: refused (ZE009) naming that command, nothing
    written; then it installs. On 15 CREATEROLE is enough."""
    login = testing.unique_name("dba")
    dbname = testing.unique_name("erp_dbo")
    with psycopg.connect(server.url, autocommit=True) as su:
        su.execute(f'CREATE ROLE "{login}" LOGIN CREATEROLE')
        su.execute(f'CREATE DATABASE "{dbname}" OWNER "{login}"')
        major = su.info.server_version // 10000
    url = make_conninfo(server.url_for(dbname), user=login)
    try:
        if major >= 16:
            refused = psql(url, bundle_file)
            assert refused.returncode != 0
            assert "ZE009" in refused.stderr and "may not grant itself erp_owner" in refused.stderr
            assert f"TO {login} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE" in refused.stderr
            assert not installed(url)
            assert memberships(url, login) == set()
            with pytest.raises(migrate.MigrationError) as runner:
                migrate.migrate(url, log=lambda *_: None)
            assert runner.value.__cause__.sqlstate == "ZE009"
            assert not installed(url)
            with psycopg.connect(server.url, autocommit=True) as su:
                su.execute("GRANT erp_owner, erp_app, erp_auditor, erp_admin, erp_replicator"
                           f' TO "{login}" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE')
        check_createrole_owner(server.url_for(dbname), url, login, bundle_file, major)
    finally:
        with psycopg.connect(server.url, autocommit=True) as su:
            su.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            for (role,) in su.execute("SELECT rolname FROM pg_roles WHERE pg_has_role("
                                      "oid, 'erp_app', 'MEMBER') AND rolname LIKE 'billing%'"
                                      ).fetchall():
                su.execute(f'DROP ROLE "{role}"')
            su.execute(f'DROP ROLE IF EXISTS "{login}"')


def test_every_path_of_a_login_to_erp_owner_is_reported(empty_db, bundle_file):
    group, member, direct = (testing.unique_name(p) for p in ("grp", "via", "own"))
    assert psql(empty_db, bundle_file).returncode == 0
    with psycopg.connect(empty_db, autocommit=True) as su:
        su.execute(f'CREATE ROLE "{group}" NOLOGIN IN ROLE erp_owner')
        su.execute(f'CREATE ROLE "{member}" LOGIN IN ROLE "{group}"')
        su.execute(f'CREATE ROLE "{direct}" LOGIN IN ROLE erp_owner')
    try:
        result = psql(empty_db, bundle_file)
        assert result.returncode == 0, result.stderr
        warning = next(line for line in result.stderr.splitlines()
                       if "keep a path to erp_owner" in line)
        assert f"{member} -> {group} -> erp_owner" in warning
        assert f"{direct} -> erp_owner" in warning
        assert f"{group} -> erp_owner;" not in warning.replace(f"{member} -> ", "")  # no login
    finally:
        with psycopg.connect(empty_db, autocommit=True) as su:
            for role in (member, direct, group):
                su.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_a_database_that_is_not_utf8_is_refused_naming_its_encoding(server, bundle_file):
    janitor = server.janitor(testing.unique_name("erp_ascii"))
    with psycopg.connect(server.url, autocommit=True) as su:
        su.execute(f'CREATE DATABASE "{janitor.dbname}" ENCODING \'SQL_ASCII\' LOCALE \'C\''
                   " TEMPLATE template0")
    url = server.url_for(janitor.dbname)
    try:
        result = psql(url, bundle_file)
        assert result.returncode != 0
        assert "ZE009" in result.stderr and "has encoding SQL_ASCII" in result.stderr
        assert not installed(url)
        with pytest.raises(migrate.MigrationError, match="has encoding SQL_ASCII") as runner:
            migrate.migrate(url, log=lambda *_: None)
        assert runner.value.__cause__.sqlstate == "ZE009"
        assert not installed(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT to_regclass('erp_meta.schema_migrations')"
                                ).fetchone()[0] is None
    finally:
        janitor.drop()


def test_a_second_erp_database_on_the_cluster_is_refused_unless_allowed(
        server, template, empty_db, bundle_file):
    """The template of this run is an erp.base database already."""
    strict = make_conninfo(empty_db, options=REFUSE_SHARED)
    result = psql(strict, bundle_file)
    assert result.returncode != 0
    assert "ZE009" in result.stderr and f"already installed in database {template}" \
        in result.stderr.replace('"', "")
    assert "erp.allow_shared_roles=on" in result.stderr
    assert not installed(empty_db)
    with pytest.raises(migrate.MigrationError, match="already installed in database") as runner:
        migrate.migrate(strict, log=lambda *_: None)
    assert runner.value.__cause__.sqlstate == "ZE009"
    assert not installed(empty_db)
    allowed = psql(make_conninfo(empty_db, options=f"-c {migrate.ALLOW_SHARED_ROLES}=on"),
                   bundle_file)
    assert allowed.returncode == 0, allowed.stderr
    # an installed database upgrades whatever the setting: only a first install is refused
    again = psql(strict, bundle_file)
    assert again.returncode == 0, again.stderr
    assert migrate.migrate(strict, module="base", log=lambda *_: None) == []  # base's bundle


@pytest.mark.parametrize("runner", ["bundle", "migrate"])
def test_an_upgrade_names_the_grants_it_revoked(empty_db, sql_copy, tmp_path, bundle_file,
                                                runner):
    assert psql(empty_db, bundle_file).returncode == 0
    get = sql_copy / "functions" / "tenant" / "tenant_get.sql"
    get.write_text(get.read_text().replace(
        "GRANT EXECUTE ON FUNCTION erp.tenant_get(uuid) TO erp_app, erp_admin;\n",
        "GRANT EXECUTE ON FUNCTION erp.tenant_get(uuid) TO erp_admin;\n"))
    if runner == "bundle":
        changed = tmp_path / "changed.sql"
        changed.write_text(migrate.bundle(sql_copy))
        result = psql(empty_db, changed)
        assert result.returncode == 0, result.stderr
        assert ("revoked grants no file makes any more: EXECUTE on erp.tenant_get(uuid) "
                "from erp_app\n") in result.stderr
    else:
        lines: list[str] = []
        migrate.migrate(empty_db, log=lines.append, sql_dir=sql_copy)
        assert [line for line in lines if line.startswith("revoked")] == [
            "revoked erp.tenant_get(uuid) from erp_app"]
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT has_function_privilege('erp_app',"
                            " 'erp.tenant_get(uuid)', 'EXECUTE')").fetchone()[0] is False
    again = psql(empty_db, bundle_file)  # granted again: nothing revoked is named
    assert again.returncode == 0 and "revoked grants" not in again.stderr
