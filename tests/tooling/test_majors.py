"""PG_MAJOR picks the PostgreSQL the harness runs on (see harness.majors): a number, one of the
supported majors, the system's when installed; and the suite's server is that major."""

from __future__ import annotations

import os

import psycopg
import pytest

from harness import cluster, majors


def test_pg_major_must_be_a_number(monkeypatch):
    monkeypatch.setenv("PG_MAJOR", "seventeen")
    with pytest.raises(majors.FetchError, match="give a major version number"):
        majors.requested_major()
    monkeypatch.setenv("PG_MAJOR", "")
    assert majors.requested_major() is None
    monkeypatch.setenv("PG_MAJOR", " 17 ")
    assert majors.requested_major() == 17


def test_an_unsupported_major_is_refused_naming_the_supported_ones(monkeypatch):
    monkeypatch.delenv("PG_BINDIR", raising=False)
    monkeypatch.setenv("PG_MAJOR", "14")
    with pytest.raises(cluster.ClusterError, match="supported majors are 15 .* and 16, 17, 18"):
        cluster.pg_bindir()


def test_the_system_major_needs_no_fetch(monkeypatch):
    if majors.system_bindir(majors.SYSTEM_MAJOR) is None:
        pytest.skip(f"no system PostgreSQL {majors.SYSTEM_MAJOR} here")
    monkeypatch.delenv("PG_BINDIR", raising=False)
    monkeypatch.setenv("PG_MAJOR", str(majors.SYSTEM_MAJOR))
    assert cluster.pg_bindir() == majors.system_bindir(majors.SYSTEM_MAJOR)


@pytest.mark.majors
def test_the_suite_runs_on_the_major_asked_for(server):
    with psycopg.connect(server.url) as conn:
        version = conn.info.server_version
    asked = majors.requested_major()
    if asked is None or os.environ.get("DATABASE_URL"):
        assert version >= 150000
    else:
        assert version // 10000 == asked
