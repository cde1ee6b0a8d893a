"""Runs every pgTAP file of every module (sql/<module>/tests/*.sql) with pg_prove, each on its
own fresh database (a copy of the template, which has every module installed)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from psycopg.conninfo import conninfo_to_dict

from erp_ops import migrate

TAP_FILES = sorted(migrate.SQL_ROOT.glob("*/tests/*.sql"))


def test_there_are_pgtap_files():
    assert len(TAP_FILES) > 0


@pytest.mark.parametrize("path", TAP_FILES,
                         ids=[f"{p.parent.parent.name}/{p.name}" for p in TAP_FILES])
def test_pgtap_file(path, dsn):
    params = conninfo_to_dict(dsn)
    env = dict(os.environ)
    env.update(PGHOST=params.get("host", ""), PGPORT=str(params.get("port", 5432)),
               PGUSER=params.get("user", "postgres"), PGDATABASE=params["dbname"])
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    result = subprocess.run(["pg_prove", "--verbose", "--failures", str(path)],
                            env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    planned = re.search(r"Tests=(\d+)", output)
    assert planned and int(planned.group(1)) > 0, output
