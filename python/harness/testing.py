"""Test support shared by pytest, the stress runner and the benchmarks: a server to run on
(``DATABASE_URL`` or an embedded throwaway cluster), a migrated template database and cheap
clones of it (``CREATE DATABASE ... TEMPLATE``), created and dropped with pytest-postgresql's
``DatabaseJanitor``."""

from __future__ import annotations

import itertools
import os
import uuid
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pytest_postgresql.janitor import DatabaseJanitor

from harness import migrate

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
    migrate.migrate(url, log=lambda *_: None)
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
