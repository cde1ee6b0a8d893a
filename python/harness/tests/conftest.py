"""Fixtures: one server per run (embedded unless DATABASE_URL), a template migrated once,
and a fresh clone of it for every test that asks for a database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from harness import cluster, testing


@pytest.fixture(scope="session")
def server() -> Iterator[testing.Server]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield testing.Server(url)
        return
    with cluster.Cluster.temporary_cluster() as c:
        yield testing.Server(c.url())


@pytest.fixture(scope="session")
def template(server: testing.Server) -> Iterator[str]:
    name = testing.create_template(server)
    yield name
    testing.drop_template(server, name)


@pytest.fixture
def dsn(server: testing.Server, template: str) -> Iterator[str]:
    """A fresh, fully migrated database for this test only."""
    url, janitor = testing.clone(server, template)
    yield url
    janitor.drop()


@pytest.fixture
def conn(dsn: str) -> Iterator[psycopg.Connection]:
    """A superuser connection (autocommit) to the test's own database."""
    with psycopg.connect(dsn, autocommit=True) as c:
        yield c


def new_tenant(conn: psycopg.Connection, name: str = "Acme", tz: str = "UTC") -> uuid.UUID:
    tenant_id = uuid.uuid4()
    conn.execute(
        "SELECT erp.tenant_create(%s, NULL, 'SYSTEM', 'test', %s, %s)", (tenant_id, name, tz)
    )
    return tenant_id


@pytest.fixture
def tenant(conn: psycopg.Connection) -> uuid.UUID:
    return new_tenant(conn)
