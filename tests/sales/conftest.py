"""Fixtures of the sales suites."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from harness import testing
from tests.sales.orders import connect


@pytest.fixture(scope="module")
def module_dsn(server: testing.Server, template: str) -> Iterator[str]:
    """One migrated database for a whole test module (hypothesis and parametrised cases make
    many tenants in it; each tenant is its own world)."""
    url, janitor = testing.clone(server, template)
    yield url
    janitor.drop()


@pytest.fixture(scope="module")
def mconn(module_dsn: str) -> Iterator[psycopg.Connection]:
    with connect(module_dsn, autocommit=True) as c:
        yield c
