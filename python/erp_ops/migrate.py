"""Migration runner and bundles: per module, ordered, checksummed, immutable schema steps, then
the function lifecycle; then maintenance. The runner (``python -m harness migrate``) and the
bundles (``make bundle``, applied with ``psql -v ON_ERROR_STOP=1 -1 -f dist/erp.sql``, then
``dist/erp-<module>.sql`` of each other module) do the same steps and build the same catalog
(tested). A module is a folder ``sql/<module>/`` with a manifest ``module.json`` (name,
version, requires, description); modules are installed after the modules they require, and a
module whose requirement is missing or older is refused before anything is written (ZE009):

* ``sql/<module>/schema/NNNN_<name>.sql`` run in order, each recorded in
  ``erp_meta.schema_migrations`` with its module and a SHA-256 checksum; an applied file whose
  bytes changed is refused by name, and so is a database that has migrations of the module
  this code does not know (it is newer);
* every ``sql/<module>/functions/**/*.sql`` file is re-applied (``check_function_bodies =
  off``, so files need no dependency order) between ``erp_meta.function_phase_begin(module)``
  and ``_end(...)``: grants on the module's functions become exactly those in its files, and
  its functions that no file defines any more are dropped by exact signature (the other
  modules' functions and grants are not touched); then the writers are regenerated
  (installation-wide) and the module's version recorded in ``erp_meta.modules``;
* ``erp.audit_maintain()`` creates the audit trail's partitions ahead; the publication
  ``erp_audit`` is created when the installing role may;
* the login that ran it is not left a member of ``erp_owner`` (it is made one for the
  duration of each transaction when it is not a superuser);
* runs are serialised by an advisory lock that fails after ``wait`` seconds naming its holder;
  every file runs with ``lock_timeout`` and ``statement_timeout`` set, and a file that waits
  for a lock fails fast with a message naming the session that holds it.

The runner applies each migration in its own transaction; the bundle is one transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import psycopg
except ImportError:  # building the bundle needs the standard library alone (make bundle)
    psycopg = None  # type: ignore[assignment]


ROOT = Path(__file__).resolve().parents[2]
# every entry point takes ``sql_dir`` to run another copy (tests do): the folder of the modules
# (SQL_ROOT: every module, in dependency order) or one module's folder (that module alone)
SQL_ROOT = ROOT / "sql"
SQL_DIR = SQL_ROOT / "base"
MANIFEST = "module.json"
MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")
SCHEMA_DIR = SQL_DIR / "schema"
FUNCTIONS_DIR = SQL_DIR / "functions"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
LOCK_KEY = 0x0E4B_A5E0  # pg_advisory_lock key shared by every runner and bundle of this module
LOCK_TIMEOUT = "5s"  # per migration statement: a lock wait longer than this fails the run
STATEMENT_TIMEOUT = "30min"
LOCK_WAIT = 60.0  # seconds a runner waits for another runner before giving up

LEDGER_DDL = """
CREATE SCHEMA IF NOT EXISTS erp_meta;
CREATE TABLE IF NOT EXISTS erp_meta.schema_migrations (
    filename text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms numeric
);
COMMENT ON TABLE erp_meta.schema_migrations IS
    'Ledger of applied migrations: sql/<module>/schema/<filename>, the SHA-256 of the file, when.';
"""

# A login that is not a superuser needs membership in erp_owner to SET ROLE erp_owner: it gets
# it at the start of each transaction (once the role exists) and gives it back at the end, in
# the same transaction, so no committed state ever shows it.
# PostgreSQL 15: CREATEROLE may grant every non-superuser role; a membership is all or nothing.
# PostgreSQL 16+: a membership carries SET (may SET ROLE) and INHERIT (has the role's
# privileges) and its grantor; a CREATEROLE role may grant only roles it holds WITH ADMIN
# OPTION, which the role that created them gets (admin only: no SET, no INHERIT) and anyone
# else gets from a superuser. The check asks for what the installer uses (SET and USAGE), not
# for membership, which an admin-only membership satisfies.
OWNER_GRANT = """
DO $erp_owner$
DECLARE
    v_missing text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'erp_owner')
        OR (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user) THEN
        RETURN;
    END IF;
    IF pg_catalog.current_setting('server_version_num')::int < 160000 THEN
        IF NOT pg_catalog.pg_has_role(current_user, 'erp_owner', 'MEMBER') THEN
            EXECUTE pg_catalog.format('GRANT erp_owner TO %I', current_user);
        END IF;
        RETURN;
    END IF;
    IF pg_catalog.pg_has_role(current_user, 'erp_owner', 'SET')
        AND pg_catalog.pg_has_role(current_user, 'erp_owner', 'USAGE') THEN
        RETURN;
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user, 'erp_owner', 'MEMBER WITH ADMIN OPTION') THEN
        SELECT pg_catalog.string_agg(r.rolname, ', ' ORDER BY r.rolname) INTO v_missing
        FROM pg_catalog.pg_roles AS r
        WHERE r.rolname IN ('erp_owner', 'erp_app', 'erp_auditor', 'erp_admin', 'erp_replicator')
            AND NOT pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER WITH ADMIN OPTION');
        RAISE EXCEPTION 'erp.base: % may not grant itself erp_owner, which it needs to install or '
            'upgrade', current_user
            USING ERRCODE = 'ZE009',
            DETAIL = 'On PostgreSQL 16 and later a CREATEROLE role may grant only the roles it '
            'created or holds WITH ADMIN OPTION; the roles exist and were created by another role.',
            HINT = pg_catalog.format('A superuser runs once: GRANT %s TO %I WITH ADMIN TRUE, '
            'INHERIT FALSE, SET FALSE; (or installs as a superuser)', v_missing, current_user);
    END IF;
    EXECUTE pg_catalog.format('GRANT erp_owner TO %I WITH INHERIT TRUE, SET TRUE', current_user);
END
$erp_owner$;
"""
# Gives back what OWNER_GRANT (or an older installer) granted this login, then reports every
# login that keeps a path to erp_owner: directly or through groups, as a usable membership or
# (16+) with ADMIN OPTION only, which lets it grant itself the role. The installing login's own
# admin-only membership on 16+ is what lets it upgrade later: a notice, not a warning.
OWNER_REVOKE = """
DO $erp_owner$
DECLARE
    v_modern boolean := pg_catalog.current_setting('server_version_num')::int >= 160000;
    v_paths text;
    v_self_admin boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'erp_owner') THEN
        RETURN;  -- nothing installed yet
    END IF;
    IF EXISTS (
        SELECT 1 FROM pg_catalog.pg_auth_members AS m
        WHERE m.roleid = 'erp_owner'::regrole AND m.member = current_user::regrole
            AND (NOT v_modern OR m.grantor = current_user::regrole)
    ) THEN
        EXECUTE pg_catalog.format('REVOKE erp_owner FROM %I', current_user);
    END IF;
    WITH RECURSIVE path (member, chain, usable, depth) AS (
        SELECT m.member, m.member::regrole::text || ' -> erp_owner',
            coalesce((pg_catalog.to_jsonb(m) ->> 'set_option')::boolean
                OR (pg_catalog.to_jsonb(m) ->> 'inherit_option')::boolean, true), 1
        FROM pg_catalog.pg_auth_members AS m
        WHERE m.roleid = 'erp_owner'::regrole
        UNION ALL
        SELECT m.member, m.member::regrole::text || ' -> ' || p.chain,
            p.usable AND coalesce((pg_catalog.to_jsonb(m) ->> 'set_option')::boolean
                OR (pg_catalog.to_jsonb(m) ->> 'inherit_option')::boolean, true), p.depth + 1
        FROM pg_catalog.pg_auth_members AS m
        INNER JOIN path AS p ON m.roleid = p.member
        WHERE p.depth < 16
    )
    SELECT
        pg_catalog.string_agg(DISTINCT p.chain
            || CASE WHEN p.usable THEN '' ELSE ' (ADMIN OPTION only)' END, '; ')
            FILTER (WHERE NOT (p.depth = 1 AND NOT p.usable AND p.member = current_user::regrole)),
        pg_catalog.bool_or(p.depth = 1 AND NOT p.usable AND p.member = current_user::regrole)
    INTO v_paths, v_self_admin
    FROM path AS p
    INNER JOIN pg_catalog.pg_roles AS r ON r.oid = p.member
    WHERE r.rolcanlogin;
    IF v_paths IS NOT NULL THEN
        RAISE WARNING 'erp.base: login role(s) keep a path to erp_owner and can rewrite the '
            'audit trail: %', v_paths
            USING HINT = 'Nothing should log in as the owner: REVOKE the membership named first '
            'in each path (REVOKE erp_owner FROM <role>; for a group: REVOKE <group> FROM '
            '<login>).';
    END IF;
    IF v_self_admin THEN
        PERFORM pg_catalog.set_config('client_min_messages', 'notice', true);
        RAISE NOTICE 'erp.base: % keeps ADMIN OPTION on erp_owner (PostgreSQL 16+: it may grant '
            'the role, which the next upgrade needs, but not act as it)', current_user;
        PERFORM pg_catalog.set_config('client_min_messages', 'warning', true);
    END IF;
END
$erp_owner$;
"""
# Refusals before a first install writes anything (an upgrade is never refused here):
# * a database that is not UTF-8: codes are compared after NFKC normalisation and case
#   folding, which PostgreSQL does only in UTF-8 (in SQL_ASCII `MÜLLER` and `müller` differ);
# * a second erp.base database on the cluster: the roles are cluster-wide, so a login of one
#   could call the other's functions. Clusters whose databases are clones of one template (test
#   clusters) say they accept that with the setting erp.allow_shared_roles = on.
ALLOW_SHARED_ROLES = "erp.allow_shared_roles"
INSTALL_CHECKS = """
DO $erp_checks$
DECLARE
    v_installed boolean;
    v_others text;
BEGIN
    IF pg_catalog.to_regclass('erp_meta.schema_migrations') IS NULL THEN
        v_installed := false;
    ELSE
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM erp_meta.schema_migrations'
            ' WHERE filename = ''0001_roles_and_schemas.sql'')' INTO v_installed;
    END IF;
    IF v_installed THEN
        RETURN;
    END IF;
    IF pg_catalog.current_setting('server_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'erp.base: database % has encoding %; erp.base needs UTF8',
            pg_catalog.current_database(), pg_catalog.current_setting('server_encoding')
            USING ERRCODE = 'ZE009',
            DETAIL = 'Codes are compared after Unicode normalisation and case folding, which '
            'PostgreSQL does only in UTF-8 databases.',
            HINT = 'Install into a database made with: CREATE DATABASE erp ENCODING ''UTF8'' '
            'LOCALE ''C.UTF-8'' TEMPLATE template0;';
    END IF;
    IF coalesce(pg_catalog.current_setting('erp.allow_shared_roles', true), '') = 'on'
        OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'erp_owner') THEN
        RETURN;
    END IF;
    SELECT pg_catalog.string_agg(DISTINCT d.datname, ', ') INTO v_others
    FROM pg_catalog.pg_shdepend AS s
    INNER JOIN pg_catalog.pg_database AS d ON d.oid = s.dbid
    WHERE s.refclassid = 'pg_catalog.pg_authid'::regclass
        AND s.refobjid = 'erp_owner'::regrole AND s.deptype = 'o'
        AND d.datname <> pg_catalog.current_database();
    IF v_others IS NOT NULL THEN
        RAISE EXCEPTION 'erp.base: already installed in database % of this cluster; '
            'a second installation would share its roles', v_others
            USING ERRCODE = 'ZE009',
            DETAIL = 'The roles erp_owner, erp_app, erp_auditor, erp_admin and erp_replicator are '
            'cluster-wide: a login granted erp_app for one database could call the functions of '
            'the other.',
            HINT = 'Install each erp.base database on a cluster of its own. To share the roles '
            'on purpose (e.g. test databases cloned from one template), install with '
            'PGOPTIONS=''-c erp.allow_shared_roles=on''.';
    END IF;
END
$erp_checks$;
"""
# CREATE PUBLICATION needs CREATE on the database, which erp_owner does not have: the
# installing login creates it (it owns the audit table through its membership in erp_owner).
PUBLICATION = """
DO $erp_publication$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = 'erp_audit') THEN
        RETURN;
    END IF;
    IF pg_catalog.has_database_privilege(current_user, pg_catalog.current_database(), 'CREATE')
        AND pg_catalog.pg_has_role(current_user, 'erp_owner', 'USAGE') THEN
        -- without wal_level = logical CREATE PUBLICATION warns; the notice below says it
        PERFORM pg_catalog.set_config('client_min_messages', 'error', true);
        CREATE PUBLICATION erp_audit FOR TABLE erp.erp_audit_events
        WITH (publish = 'insert', publish_via_partition_root = true);
        PERFORM pg_catalog.set_config('client_min_messages', 'notice', true);
        RAISE NOTICE 'erp.base: created publication erp_audit (inserts of erp.erp_audit_events)%',
            CASE WHEN pg_catalog.current_setting('wal_level') <> 'logical'
                THEN '; set wal_level = logical to stream it' ELSE '' END;
    ELSE
        PERFORM pg_catalog.set_config('client_min_messages', 'notice', true);
        RAISE NOTICE 'erp.base: publication erp_audit not created: % may not create '
            'publications here', current_user
            USING HINT = 'A superuser or the database owner runs: CREATE PUBLICATION erp_audit '
            'FOR TABLE '
            'erp.erp_audit_events WITH (publish = ''insert'', publish_via_partition_root = true);';
    END IF;
    PERFORM pg_catalog.set_config('client_min_messages', 'warning', true);
END
$erp_publication$;
"""
# erp.audit_feed_lag (SECURITY DEFINER) names when the oldest open transaction began; reading
# xact_start of other logins' sessions takes pg_read_all_stats, which only a superuser (or a
# login allowed to grant it) can give the owner role. Without it that column covers the owner's
# own sessions and prepared transactions only; the install goes on and says so.
STATS_GRANT = """
DO $erp_stats$
BEGIN
    IF pg_catalog.pg_has_role('erp_owner', 'pg_read_all_stats', 'MEMBER') THEN
        RETURN;
    END IF;
    BEGIN
        GRANT pg_read_all_stats TO erp_owner;
    EXCEPTION WHEN insufficient_privilege THEN
        PERFORM pg_catalog.set_config('client_min_messages', 'notice', true);
        RAISE NOTICE 'erp.base: % may not grant pg_read_all_stats to erp_owner; '
            'audit_feed_lag.oldest_open_transaction will not see other logins'' transactions',
            current_user
            USING HINT = 'A superuser runs: GRANT pg_read_all_stats TO erp_owner;';
        PERFORM pg_catalog.set_config('client_min_messages', 'warning', true);
    END;
END
$erp_stats$;
"""
# The function phase revokes every grant and the files grant again: a grant that no file makes
# any more is gone. Its EXECUTE grants before the phase are kept in a setting of the transaction
# and compared afterwards, so the run names what it revoked (as it names dropped functions).
GRANTS = """
SELECT DISTINCT p.oid::regprocedure::text || ' from '
    || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
FROM pg_catalog.pg_proc AS p
CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) AS a
WHERE p.pronamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
    AND a.grantee <> p.proowner AND a.privilege_type = 'EXECUTE'
"""
GRANTS_BEFORE = f"""
SELECT pg_catalog.set_config('erp.grants_before', coalesce(pg_catalog.string_agg(g.g, E'\\n'), ''),
    true) AS erp_grants
FROM ({GRANTS}) AS g (g)
"""
GRANTS_REVOKED = f"""
SELECT b.g FROM pg_catalog.unnest(pg_catalog.string_to_array(
    NULLIF(pg_catalog.current_setting('erp.grants_before'), ''), E'\\n')) AS b (g)
WHERE pg_catalog.to_regprocedure(pg_catalog.split_part(b.g, ' from ', 1)) IS NOT NULL
    AND b.g NOT IN ({GRANTS})
ORDER BY b.g
"""
MAINTAIN = "SELECT m.partition, m.action FROM erp.audit_maintain() AS m"
REGENERATE = "SELECT erp_meta.regenerate_writers()"


class MigrationError(RuntimeError):
    """A migration could not be applied or the ledger disagrees with the files. ``sqlstate``:
    the database's refusal code when it refused (``ZE009`` for a missing module dependency)."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


# ---- modules -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Module:
    """A module folder ``sql/<name>/`` and its manifest ``module.json``."""
    name: str
    version: str
    requires: dict[str, str]
    description: str
    path: Path

    @property
    def label(self) -> str:
        return f"erp.{self.name} {self.version}"

    @property
    def bundle_name(self) -> str:
        return "erp.sql" if self.name == "base" else f"erp-{self.name}.sql"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def read_module(path: Path) -> Module:
    """The module of folder ``path``, its manifest checked (name, version, requires,
    description)."""
    manifest = path / MANIFEST
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError) as exc:
        raise MigrationError(f"{manifest}: not a readable JSON manifest: {exc}") from None
    name, version = data.get("name"), data.get("version")
    requires, description = data.get("requires", {}), data.get("description", "")
    problems = []
    if not isinstance(name, str) or not MODULE_NAME.match(name):
        problems.append("name is lower-case letters, digits and _")
    if not isinstance(version, str) or not VERSION.match(version):
        problems.append("version is N.N.N")
    if not isinstance(requires, dict) or not all(
            isinstance(k, str) and MODULE_NAME.match(k) and isinstance(v, str) and VERSION.match(v)
            for k, v in requires.items()):
        problems.append('requires is {"module": "minimum version"}')
    if not isinstance(description, str):
        problems.append("description is one line of text")
    if problems:
        raise MigrationError(f"{manifest}: {'; '.join(problems)}")
    return Module(name, version, dict(requires), description, path)


def modules(root: Path = SQL_ROOT) -> dict[str, Module]:
    """Every module under ``root`` (a folder with a module.json), by name."""
    found = {}
    for path in sorted(p for p in root.iterdir() if (p / MANIFEST).is_file()):
        module = read_module(path)
        if module.name != path.name:
            raise MigrationError(f"{path / MANIFEST}: names module {module.name!r}; "
                                 f"the folder of a module is sql/<name>")
        found[module.name] = module
    return found


def install_order(root: Path = SQL_ROOT, only: str | None = None) -> list[Module]:
    """The modules under ``root`` (or ``only`` and what it requires), each after the modules it
    requires. Refuses a missing or too old requirement and a dependency cycle, by name."""
    available = modules(root)
    if only is not None and only not in available:
        raise MigrationError(f"no module {only!r} under {root} (modules: "
                             f"{', '.join(available) or 'none'})")
    order: list[Module] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name):] + [name]
            raise MigrationError(f"modules require each other in a cycle: {' -> '.join(cycle)}")
        state[name] = "visiting"
        module = available[name]
        for required, minimum in sorted(module.requires.items()):
            if required not in available:
                raise MigrationError(
                    f"module {module.label} requires module {required} {minimum} or later, "
                    f"which is not under {root}", "ZE009")
            have = available[required]
            if version_key(have.version) < version_key(minimum):
                raise MigrationError(
                    f"module {module.label} requires module {required} {minimum} or later; "
                    f"{root.name}/{required} is {have.version}", "ZE009")
            visit(required, path + [name])
        state[name] = "done"
        order.append(module)

    for name in ([only] if only is not None else sorted(available)):
        visit(name, [])
    return order


def require_check(module: Module) -> str:
    """A DO block that refuses (ZE009, naming both modules and versions) when a module that
    ``module`` requires is not installed or older than required. Writes nothing."""
    requires = json.dumps(module.requires, sort_keys=True).replace("'", "''")
    return f"""DO $erp_requires$
DECLARE
    v_requires jsonb := '{requires}';
    v_name text;
    v_minimum text;
    v_installed text;
BEGIN
    FOR v_name, v_minimum IN
        SELECT r.key, r.value FROM pg_catalog.jsonb_each_text(v_requires) AS r ORDER BY r.key
    LOOP
        v_installed := NULL;
        IF pg_catalog.to_regclass('erp_meta.modules') IS NOT NULL THEN
            EXECUTE 'SELECT m.version FROM erp_meta.modules AS m WHERE m.name = $1'
                INTO v_installed USING v_name;
        END IF;
        IF v_installed IS NULL THEN
            RAISE EXCEPTION 'module {module.label} requires module % % or later, which is not '
                'installed', v_name, v_minimum
                USING ERRCODE = 'ZE009',
                HINT = pg_catalog.format('Install module %s first (its bundle, or erp-harness '
                'migrate --module %s), then this one.', v_name, v_name);
        END IF;
        IF pg_catalog.string_to_array(v_installed, '.')::integer[]
            < pg_catalog.string_to_array(v_minimum, '.')::integer[] THEN
            RAISE EXCEPTION 'module {module.label} requires module % % or later; % is installed',
                v_name, v_minimum, v_installed
                USING ERRCODE = 'ZE009',
                HINT = pg_catalog.format('Upgrade module %s first, then this one.', v_name);
        END IF;
    END LOOP;
END
$erp_requires$;"""


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


def functions_digest(sql_dir: Path = SQL_DIR) -> str:
    """SHA-256 over every function file's path and bytes: what the installation records."""
    digest = hashlib.sha256()
    for path in function_files(sql_dir / "functions"):
        digest.update(str(path.relative_to(sql_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@contextlib.contextmanager
def _as_installer(conn: psycopg.Connection) -> Iterator[None]:
    """A transaction in which the login may act as erp_owner (member for its duration only)."""
    with conn.transaction():
        conn.execute(OWNER_GRANT)
        yield
        conn.execute("RESET ROLE")
        conn.execute(OWNER_REVOKE)


# before migration 0014 the ledger has no module column: every row is base's
LEDGER_ROWS = """
SELECT l.filename, l.checksum, l.applied_at FROM erp_meta.schema_migrations AS l
WHERE coalesce(pg_catalog.to_jsonb(l) ->> 'module', 'base') = %s
"""


def _ledger(conn: psycopg.Connection, module: str = "base") -> dict[str, tuple[str, object]]:
    with _as_installer(conn):
        exists = conn.execute("SELECT to_regclass('erp_meta.schema_migrations') IS NOT NULL"
                              ).fetchone()
        if not exists[0]:
            return {}
        rows = conn.execute(LEDGER_ROWS, (module,))
        return {name: (checksum, at) for name, checksum, at in rows}


def status(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[Status]:
    """Every migration file and ledger row of the module in ``sql_dir``: applied, pending,
    changed or missing-file."""
    ledger = _ledger(conn, read_module(sql_dir).name)
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
    """The pending migrations; raises if an applied file changed or the database is newer."""
    states = status(conn, sql_dir)
    changed = [s.filename for s in states if s.state == "changed"]
    if changed:
        raise MigrationError(
            f"applied migration {changed[0]} has changed since it was applied; "
            "migrations are immutable: restore the file and add a new migration instead"
        )
    missing = [s.filename for s in states if s.state == "missing-file"]
    if missing:
        raise MigrationError(f"applied migration {missing[0]} is missing from "
                             f"sql/{read_module(sql_dir).name}/schema "
                             "(the database is newer than this code)")
    pending = {s.filename for s in states if s.state == "pending"}
    return [m for m in schema_migrations(sql_dir / "schema") if m.filename in pending]


# ---- locks: never wait silently ----------------------------------------------------------------
HOLDERS = """
SELECT a.pid, a.usename, a.application_name, a.state, a.xact_start, left(a.query, 120)
FROM pg_stat_activity AS a WHERE a.pid = ANY (%s::int[]) ORDER BY a.pid
"""


def _describe(rows: list[tuple]) -> str:
    parts = []
    for pid, user, app, state, since, query in rows:
        text = f"pid {pid} (user {user}"
        text += f", application {app!r}" if app else ""
        text += f", {state}" if state else ""
        text += f" since {since:%Y-%m-%d %H:%M:%S %Z}" if since else ""
        text += f", last query: {query!r}" if query else ""
        parts.append(text + ")")
    return "; ".join(parts) or "a session that has ended since"


def _acquire_run_lock(conn: psycopg.Connection, wait: float, log) -> None:
    """The runners' advisory lock, or MigrationError naming its holder after ``wait`` s."""
    if conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
        return
    log("waiting for another migrator to finish ...")
    try:
        conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{int(wait * 1000)}ms",))
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    except psycopg.errors.LockNotAvailable:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = 0 AND objid = %s AND objsubid = 1", (LOCK_KEY,))]
        raise MigrationError(
            f"another migration run holds the migration lock (advisory lock {LOCK_KEY}) for "
            f"more than {wait:g} s: {_describe(conn.execute(HOLDERS, (pids,)).fetchall())}"
        ) from None
    finally:
        conn.execute("RESET lock_timeout")


class _LockWatch:
    """Watches a migrating backend from a second connection and remembers who blocks it, so
    that a lock timeout can name the session that held the lock."""

    def __init__(self, dsn: str, pid: int) -> None:
        self.dsn, self.pid = dsn, pid
        self.blockers: list[tuple] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                while not self._stop.wait(0.1):
                    pids = conn.execute("SELECT pg_blocking_pids(%s)", (self.pid,)).fetchone()[0]
                    if pids:
                        self.blockers = conn.execute(HOLDERS, (pids,)).fetchall()
        except psycopg.Error:
            pass  # the watch is a courtesy; the migration's own error still reaches the user

    def __enter__(self) -> _LockWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _run_file(conn: psycopg.Connection, dsn: str, label: str, sql: str) -> None:
    with _LockWatch(dsn, conn.info.backend_pid) as watch:
        try:
            conn.execute(sql)
        except psycopg.errors.LockNotAvailable as exc:
            raise MigrationError(
                f"{label}: a lock was not granted within lock_timeout; blocked by "
                f"{_describe(watch.blockers)}: {str(exc).strip()}") from exc
        except psycopg.Error as exc:
            raise MigrationError(f"{label}: {str(exc).strip()}") from exc


def _timeouts(conn: psycopg.Connection, lock_timeout: str, statement_timeout: str) -> None:
    conn.execute("SELECT set_config('lock_timeout', %s, true),"
                 " set_config('statement_timeout', %s, true)", (lock_timeout, statement_timeout))


# ---- the runner ----------------------------------------------------------------------------------
def _selection(sql_dir: Path, module: str | None) -> tuple[list[Module], bool]:
    """The modules to install in order, and whether their requirements come with them (a root
    of modules) or must be installed already (one module's folder)."""
    if (sql_dir / MANIFEST).is_file():
        return [read_module(sql_dir)], False
    return install_order(sql_dir, module), True


def migrate(dsn: str, dry_run: bool = False, log=print, sql_dir: Path = SQL_ROOT,
            lock_timeout: str = LOCK_TIMEOUT, statement_timeout: str = STATEMENT_TIMEOUT,
            wait: float = LOCK_WAIT, module: str | None = None) -> list[str]:
    """Install or upgrade modules: for each, its pending migrations, its functions, then the
    writers; at the end partitions are maintained. ``sql_dir`` is the folder of the modules
    (every module, or ``module`` and what it requires, in dependency order) or one module's
    folder (that module alone; what it requires must be installed). Returns the applied file
    names, ``<module>/<file>`` for modules other than base (with ``dry_run``: what would be
    applied; nothing is written). A module whose requirement is missing or older is refused
    before anything of it is written (ZE009, :class:`MigrationError`)."""
    selected, with_requirements = _selection(sql_dir, module)
    applied: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        _acquire_run_lock(conn, wait, log)
        try:
            for index, mod in enumerate(selected):
                try:
                    with _as_installer(conn):  # erp_meta belongs to erp_owner once installed
                        if not (dry_run and with_requirements):  # else installed before it
                            conn.execute(require_check(mod))
                        if not dry_run and index == 0:
                            conn.execute(INSTALL_CHECKS)
                            conn.execute(LEDGER_DDL)
                except psycopg.Error as exc:  # a refusal (ZE009): its message says what to do
                    if not (exc.sqlstate or "").startswith("ZE"):
                        raise
                    raise MigrationError(str(exc).strip(), exc.sqlstate) from exc
                applied += _migrate_module(conn, dsn, mod, dry_run, log, lock_timeout,
                                           statement_timeout)
            if not dry_run:
                for partition, action in maintain(conn, lock_timeout):
                    log(f"{action} {partition}")
            return applied
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


def _migrate_module(conn: psycopg.Connection, dsn: str, mod: Module, dry_run: bool, log,
                    lock_timeout: str, statement_timeout: str) -> list[str]:
    prefix = "" if mod.name == "base" else f"{mod.name}/"
    pending = _check_ledger(conn, mod.path)
    if dry_run:
        for migration in pending:
            log(f"would apply {prefix}{migration.filename}")
        log(f"would re-apply {len(function_files(mod.path / 'functions'))} function files "
            f"of {mod.label}")
        return [prefix + m.filename for m in pending]
    for migration in pending:
        started = time.perf_counter()
        with conn.transaction():
            _timeouts(conn, lock_timeout, statement_timeout)
            conn.execute("SELECT set_config('erp.module', %s, true)", (mod.name,))
            conn.execute(OWNER_GRANT)
            _run_file(conn, dsn, f"{prefix}{migration.filename}", migration.sql)
            conn.execute("RESET ROLE")
            # base's rows take the ledger's default (its module column arrives in 0014)
            if mod.name == "base":
                conn.execute(
                    "INSERT INTO erp_meta.schema_migrations (filename, checksum, duration_ms)"
                    " VALUES (%s, %s, %s)",
                    (migration.filename, migration.checksum,
                     round((time.perf_counter() - started) * 1000, 1)))
            else:
                conn.execute(
                    "INSERT INTO erp_meta.schema_migrations"
                    " (module, filename, checksum, duration_ms) VALUES (%s, %s, %s, %s)",
                    (mod.name, migration.filename, migration.checksum,
                     round((time.perf_counter() - started) * 1000, 1)))
            conn.execute(OWNER_GRANT)  # the first migration creates the role
            conn.execute(OWNER_REVOKE)
        log(f"applied {prefix}{migration.filename}")
    for signature, action in apply_functions(conn, mod.path, dsn, lock_timeout,
                                             statement_timeout):
        log(f"{action} {signature}")
    return [prefix + m.filename for m in pending]


def _phase_end(mod: Module, digest: str) -> str:
    """The call of erp_meta.function_phase_end for ``mod``, as literal SQL (runner and bundle)."""
    def lit(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"
    return (f"erp_meta.function_phase_end({lit(mod.name)}, {lit(mod.version)}, "
            f"{lit(json.dumps(mod.requires, sort_keys=True))}::jsonb, {lit(mod.description)}, "
            f"{lit(digest)})")


def apply_functions(conn: psycopg.Connection, sql_dir: Path = SQL_DIR, dsn: str | None = None,
                    lock_timeout: str = LOCK_TIMEOUT,
                    statement_timeout: str = STATEMENT_TIMEOUT) -> list[tuple[str, str]]:
    """Re-apply one module's functions (``sql_dir``: its folder) in one transaction, then
    regenerate the writers (installation-wide); returns (signature, created|dropped|revoked).
    Only that module's functions are dropped or have their grants revoked."""
    mod = read_module(sql_dir)
    with conn.transaction():
        _timeouts(conn, lock_timeout, statement_timeout)
        conn.execute("SELECT set_config('erp.module', %s, true)", (mod.name,))
        conn.execute(OWNER_GRANT)
        conn.execute("SET LOCAL check_function_bodies = off")
        conn.execute("SET LOCAL ROLE erp_owner")
        conn.execute(GRANTS_BEFORE)
        conn.execute("SELECT erp_meta.function_phase_begin(%s)", (mod.name,))
        for path in function_files(sql_dir / "functions"):
            label = str(path.relative_to(sql_dir.parent))
            if dsn is None:
                try:
                    conn.execute(path.read_text())
                except psycopg.Error as exc:
                    raise MigrationError(f"{label}: {str(exc).strip()}") from exc
            else:
                _run_file(conn, dsn, label, path.read_text())
        conn.execute(REGENERATE)
        try:
            changes = conn.execute(
                f"SELECT * FROM {_phase_end(mod, functions_digest(sql_dir))}").fetchall()
        except psycopg.Error as exc:
            raise MigrationError(f"{mod.label}: {str(exc).strip()}", exc.sqlstate) from exc
        changes += [(grant, "revoked") for (grant,) in conn.execute(GRANTS_REVOKED)]
        conn.execute("RESET ROLE")
        conn.execute(OWNER_REVOKE)
    return changes


def maintain(conn: psycopg.Connection, lock_timeout: str = LOCK_TIMEOUT) -> list[tuple[str, str]]:
    """erp.audit_maintain() (partitions ahead) and the publication; returns what it did."""
    with conn.transaction():
        _timeouts(conn, lock_timeout, STATEMENT_TIMEOUT)
        conn.execute(OWNER_GRANT)
        conn.execute("SET LOCAL ROLE erp_owner")
        done = conn.execute(MAINTAIN).fetchall()
        conn.execute("RESET ROLE")
        conn.execute(PUBLICATION)
        conn.execute(STATS_GRANT)
        conn.execute(OWNER_REVOKE)
    return done


# ---- the bundle ----------------------------------------------------------------------------------
def _dollar(tag: str, text: str) -> str:
    """``text`` as a dollar-quoted literal whose tag does not occur in it."""
    while f"${tag}$" in text:
        tag += "_"
    return f"${tag}${text}${tag}$"


def bundle(sql_dir: Path = SQL_DIR) -> str:
    """One SQL file that installs the module of ``sql_dir`` (base by default) into a database
    and upgrades an installed one: ``psql -v ON_ERROR_STOP=1 -1 -f erp.sql`` (base), then
    ``erp-<module>.sql`` of each other module after the bundles of the modules it requires.
    psql's ``\\if`` skips applied migrations."""
    mod = read_module(sql_dir)
    label, name, file = mod.label, mod.name, mod.bundle_name
    migrations = schema_migrations(sql_dir / "schema") if (sql_dir / "schema").is_dir() else []
    known = ",\n        ".join(f"('{m.filename}', '{m.checksum}')" for m in migrations)
    if not known:
        known = "(NULL, NULL)"
    digest = functions_digest(sql_dir)
    requires = ", ".join(f"{k} {v}" for k, v in sorted(mod.requires.items())) or "nothing"
    parts = [
        f"-- {label} bundle: installs into an empty database and upgrades an",
        "-- installed one in place. Apply with",
        f"--     psql -v ON_ERROR_STOP=1 -1 -f {file}",
        "-- as a superuser, or as a role with CREATEROLE that owns the database. Running it again",
        "-- on a current database changes nothing. Generated by `make bundle` from",
        f"-- sql/{name}/schema and sql/{name}/functions; do not edit.",
        f"-- Requires: {requires} (apply their bundles first).",
        "\\set ON_ERROR_STOP on",
        "-- no command tags (SET, COMMENT, GRANT, ...): what it prints is its NOTICEs, at the end",
        "\\set QUIET on",
        "SET client_min_messages = warning;",
        f"SET lock_timeout = '{LOCK_TIMEOUT}';",
        f"SET statement_timeout = '{STATEMENT_TIMEOUT}';",
        "-- one transaction or nothing: without psql -1 (or BEGIN) a failure would leave half an",
        "-- upgrade behind, so refuse to start",
        "SELECT pg_catalog.set_config('erp.bundle', 'on', true) AS erp_bundle \\gset",
        "DO $erp$ BEGIN IF coalesce(pg_catalog.current_setting('erp.bundle', true), '') <> 'on'"
        f" THEN RAISE EXCEPTION 'erp.{name}: run the bundle in one transaction: "
        f"psql -v ON_ERROR_STOP=1 -1 -f {file}'; END IF; END $erp$;",
        "-- one installer at a time (the runners take the same lock)",
        f"SELECT pg_catalog.pg_advisory_xact_lock({LOCK_KEY}) AS erp_locked \\gset",
        f"SELECT pg_catalog.set_config('erp.module', '{name}', true) AS erp_module \\gset",
    ]
    if mod.requires:
        parts += [
            "-- refused, nothing written, while a module it requires is missing or older (ZE009)",
            require_check(mod),
        ]
    parts += [OWNER_GRANT.strip()]  # before the ledger: erp_meta belongs to erp_owner
    if name == "base":
        parts += [
            "-- a first install refuses a database that is not UTF-8 and a second erp.base "
            "database",
            INSTALL_CHECKS.strip(),
            LEDGER_DDL.strip(),
        ]
    parts += [
        f"""DO $erp$
DECLARE
    v_changed text;
    v_unknown text;
BEGIN
    WITH bundle (filename, checksum) AS (VALUES
        {known}
    )
    SELECT
        pg_catalog.string_agg(l.filename, ', ' ORDER BY l.filename)
            FILTER (WHERE b.checksum <> l.checksum),
        pg_catalog.string_agg(l.filename, ', ' ORDER BY l.filename)
            FILTER (WHERE b.filename IS NULL)
    INTO v_changed, v_unknown
    FROM erp_meta.schema_migrations AS l LEFT JOIN bundle AS b ON b.filename = l.filename
    WHERE coalesce(pg_catalog.to_jsonb(l) ->> 'module', 'base') = '{name}';
    IF v_changed IS NOT NULL THEN
        RAISE EXCEPTION 'erp.{name}: applied migration % has changed since it was applied',
            v_changed
            USING HINT = 'Migrations are immutable: use the bundle of the release that applied it, '
            'or one built from unchanged files.';
    END IF;
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'erp.{name}: this database has migrations this {mod.version} bundle does '
            'not know: %', v_unknown
            USING HINT = 'The database is newer than the bundle; use the newer bundle.';
    END IF;
    PERFORM pg_catalog.set_config('erp.applied', '', true);
END
$erp$;""",
    ]
    for migration in migrations:
        parts += [
            f"-- ---- {migration.filename}",
            "SELECT NOT EXISTS (SELECT 1 FROM erp_meta.schema_migrations AS l"
            f" WHERE l.filename = '{migration.filename}' AND"
            f" coalesce(pg_catalog.to_jsonb(l) ->> 'module', 'base') = '{name}')"
            " AS erp_pending \\gset",
            "\\if :erp_pending",
            # a migration's own SELECTs (regenerate_writers, hook_register) print no rows: the
            # bundle says what it did in its NOTICEs
            "\\o /dev/null",
            migration.sql.strip(),
            "\\o",
            "RESET ROLE;",
            # base's rows take the ledger's default (its module column arrives in 0014)
            ("INSERT INTO erp_meta.schema_migrations (filename, checksum) VALUES "
             f"('{migration.filename}', '{migration.checksum}');" if name == "base" else
             "INSERT INTO erp_meta.schema_migrations (module, filename, checksum) VALUES "
             f"('{name}', '{migration.filename}', '{migration.checksum}');"),
            "SELECT pg_catalog.set_config('erp.applied', pg_catalog.current_setting('erp.applied')"
            f" || ' {migration.filename}', true) AS erp_applied \\gset",
            OWNER_GRANT.strip(),
            "\\endif",
        ]
    parts += [
        f"-- ---- functions: exactly those of sql/{name}/functions, with exactly their grants",
        "SET check_function_bodies = off;",
        "SET ROLE erp_owner;",
        GRANTS_BEFORE.strip() + " \\gset",
        f"SELECT erp_meta.function_phase_begin('{name}') AS erp_begun \\gset",
    ]
    for path in function_files(sql_dir / "functions"):
        parts += [f"-- ---- {path.relative_to(sql_dir.parent)}", path.read_text().strip()]
    parts += [
        f"{REGENERATE} AS erp_regenerated \\gset",
        "SELECT pg_catalog.set_config('erp.dropped',"
        " coalesce(pg_catalog.string_agg(c.signature, ', ')"
        " FILTER (WHERE c.action = 'dropped'), ''), true) AS erp_dropped",
        f"FROM {_phase_end(mod, digest)} AS c \\gset",
        "SELECT pg_catalog.set_config('erp.revoked', coalesce(pg_catalog.string_agg(r.g, ', '),"
        f" ''), true) AS erp_revoked FROM ({GRANTS_REVOKED.strip()}) AS r (g) \\gset",
        "RESET ROLE;",
        "RESET check_function_bodies;",
        "-- ---- maintenance: partitions ahead, the publication, the owner role given back",
        "SET ROLE erp_owner;",
        f"""DO $erp$
BEGIN
    PERFORM pg_catalog.set_config('erp.partitions', coalesce(pg_catalog.string_agg(
        m.action || ' ' || m.partition, ', '), ''), true)
    FROM ({MAINTAIN}) AS m;
END
$erp$;""",
        "RESET ROLE;",
    ]
    if name == "base":  # installation-wide: the publication of the trail, the stats grant
        parts += [PUBLICATION.strip(), STATS_GRANT.strip()]
    parts += [
        OWNER_REVOKE.strip(),
        f"""SET client_min_messages = notice;
DO $erp$
DECLARE
    v_applied text := pg_catalog.btrim(pg_catalog.current_setting('erp.applied'));
    v_dropped text := pg_catalog.current_setting('erp.dropped');
    v_revoked text := pg_catalog.current_setting('erp.revoked');
    v_partitions text := pg_catalog.current_setting('erp.partitions');
BEGIN
    IF v_applied = '' THEN
        RAISE NOTICE '{label}: the database is already current; '
            'no migration applied';
    ELSE
        RAISE NOTICE '{label}: applied %', pg_catalog.replace(v_applied, ' ', ', ');
    END IF;
    IF v_dropped <> '' THEN
        RAISE NOTICE '{label}: dropped functions no file defines any more: %',
            v_dropped;
    END IF;
    IF v_revoked <> '' THEN
        RAISE NOTICE '{label}: revoked grants no file makes any more: EXECUTE on %',
            v_revoked;
    END IF;
    IF v_partitions <> '' THEN
        RAISE NOTICE '{label}: audit partitions: %', v_partitions;
    END IF;
END
$erp$;
RESET client_min_messages;""",
        "",
    ]
    return "\n".join(parts) + "\n"
