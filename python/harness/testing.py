"""Test support shared by pytest, the demo, the stress runner and the benchmarks: a server to
run on (``DATABASE_URL`` or an embedded throwaway cluster), a migrated template database and
cheap clones of it (``CREATE DATABASE ... TEMPLATE``), created and dropped with
pytest-postgresql's ``DatabaseJanitor``; and the connection budget, how many more connections
a server accepts right now, so that the demo, the stress runner and the concurrency tests size
their workers to a server with the stock ``max_connections = 100`` instead of failing with
"too many clients".

pytest-postgresql is imported only where a janitor is made, so the demo and the stress runner
(which use the budget) work without the development extras.
"""

from __future__ import annotations

import itertools
import os
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from erp_ops import migrate

if TYPE_CHECKING:
    from pytest_postgresql.janitor import DatabaseJanitor

_counter = itertools.count(1)


@dataclass
class Server:
    """A PostgreSQL server we may create databases on (superuser or CREATEDB)."""

    url: str

    @property
    def params(self) -> dict:
        return conninfo_to_dict(self.url)

    def url_for(self, dbname: str) -> str:
        return make_conninfo(self.url, dbname=dbname)

    def janitor(self, dbname: str, template: str | None = None,
                as_template: bool = False) -> DatabaseJanitor:
        from pytest_postgresql.janitor import DatabaseJanitor

        p = self.params
        return DatabaseJanitor(
            user=p.get("user") or os.environ.get("PGUSER") or "postgres",
            host=p.get("host") or "localhost",
            port=p.get("port") or 5432,
            password=p.get("password"),
            dbname=dbname,
            template_dbname=template,
            as_template=as_template,
            version=None,
        )


def unique_name(prefix: str) -> str:
    """Database names unique per process, so runs on a shared DATABASE_URL do not collide."""
    return f"{prefix}_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"


def create_template(server: Server, extensions: tuple[str, ...] = ("pgtap",)) -> str:
    """A database with every migration applied (and pgTAP), marked as a template."""
    name = unique_name("erp_tmpl")
    janitor = server.janitor(name, as_template=True)
    janitor.init()
    url = server.url_for(name)
    # its clones are further erp.base databases on the server: say so (see INSTALL_CHECKS)
    migrate.migrate(make_conninfo(url, options=f"-c {migrate.ALLOW_SHARED_ROLES}=on"),
                    log=lambda *_: None)
    with psycopg.connect(url, autocommit=True) as conn:
        for ext in extensions:
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
    return name


def clone(server: Server, template: str) -> tuple[str, DatabaseJanitor]:
    name = unique_name("erp_t")
    janitor = server.janitor(name, template=template)
    janitor.init()
    return server.url_for(name), janitor


def drop_template(server: Server, template: str) -> None:
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{template}" IS_TEMPLATE false')
        conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


# ---- connection budget -----------------------------------------------------------------------
def budget_from(max_connections: int, reserved: int, in_use: int,
                role_left: int | None = None, database_left: int | None = None) -> int:
    """How many more connections a client may open: ``max_connections`` minus the slots
    reserved for superusers (``superuser_reserved_connections``, plus ``reserved_connections``
    on PostgreSQL 16+) minus the client connections already open, and no more than what the
    login's and the database's ``CONNECTION LIMIT`` leave (``None``: no limit). Never negative.

    The reserved slots are subtracted for superusers too: a tool that takes them would lock
    the DBA out of a full server.
    """
    left = max_connections - reserved - in_use
    for limit in (role_left, database_left):
        if limit is not None:
            left = min(left, limit)
    return max(left, 0)


@dataclass(frozen=True)
class ConnectionBudget:
    """A server's connection settings and use, measured by :func:`measure_connections`."""

    max_connections: int
    reserved: int
    in_use: int  # client backends (a connection opened only to measure is not counted)
    role_left: int | None = None  # what the login's CONNECTION LIMIT leaves, None: no limit
    database_left: int | None = None  # what the database's CONNECTION LIMIT leaves

    @property
    def available(self) -> int:
        return budget_from(self.max_connections, self.reserved, self.in_use,
                           self.role_left, self.database_left)

    def describe(self) -> str:
        """E.g. ``max_connections 100 - 3 reserved - 12 in use``."""
        text = (f"max_connections {self.max_connections} - {self.reserved} reserved - "
                f"{self.in_use} in use")
        if self.role_left is not None:
            text += f"; the login's connection limit leaves {self.role_left}"
        if self.database_left is not None:
            text += f"; the database's connection limit leaves {self.database_left}"
        return text


BUDGET_SQL = """
SELECT pg_catalog.current_setting('max_connections')::int,
       pg_catalog.current_setting('superuser_reserved_connections')::int
           + coalesce(nullif(
               pg_catalog.current_setting('reserved_connections', true), '')::int, 0),
       (SELECT count(*) FROM pg_catalog.pg_stat_activity AS a
        WHERE a.backend_type = 'client backend' AND a.pid <> s.skip),
       r.rolsuper,
       r.rolconnlimit,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity AS a
        WHERE a.backend_type = 'client backend' AND a.usesysid = r.oid AND a.pid <> s.skip),
       d.datconnlimit,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity AS a
        WHERE a.backend_type = 'client backend' AND a.datid = d.oid AND a.pid <> s.skip)
FROM pg_catalog.pg_roles AS r, pg_catalog.pg_database AS d,
     (SELECT CASE WHEN %s THEN pg_catalog.pg_backend_pid() ELSE 0 END AS skip) AS s
WHERE r.rolname = session_user AND d.datname = pg_catalog.current_database()
"""


def measure_connections(source: str | psycopg.Connection) -> ConnectionBudget:
    """The connection budget of a server for the login and database of ``source``, now.

    ``source`` is a URL (a connection is opened to measure; it is closed again and not
    counted) or an open connection, which stays open and is counted as in use. Measure
    through a connection you keep when you measure repeatedly: a closed connection's backend
    leaves the server a moment after the client closed it, and until then it still counts.
    """
    if isinstance(source, psycopg.Connection):
        row = source.execute(BUDGET_SQL, (False,)).fetchone()
    else:
        with psycopg.connect(source, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute(BUDGET_SQL, (True,)).fetchone()
    max_conn, reserved, in_use, superuser, role_limit, role_used, db_limit, db_used = row
    role_left = database_left = None
    if not superuser:  # CONNECTION LIMIT does not apply to superusers
        if role_limit >= 0:
            role_left = max(role_limit - role_used, 0)
        if db_limit >= 0:
            database_left = max(db_limit - db_used, 0)
    return ConnectionBudget(max_conn, reserved, in_use, role_left, database_left)


def connection_budget(source: str | psycopg.Connection) -> int:
    """How many more connections this client may open on the server right now (``source``:
    see :func:`measure_connections`)."""
    return measure_connections(source).available
