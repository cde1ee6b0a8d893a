"""An upgrade from 0.1.0, which let a prefix change after numbers were issued: a sequence that
printed A-11 twice there (A-1 + 1, then A- + 11) upgrades without failing, audit_verify reports
the repeat (repeated_number), the ledger holds every number once, and the next number that
would repeat one issued under the old prefix (A-12) is refused with ZE009, nothing allocated."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from harness import testing

from .test_upgrade import PREVIOUS_BUNDLE, psql_file
from .test_upgrade import head_bundle as head_bundle  # the fixture, shared

TENANT = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
SYS = "NULL, 'SYSTEM', 'ledger-upgrade'"


@pytest.fixture
def old_database(server: testing.Server):
    janitor = server.janitor(testing.unique_name("erp_ledger"))
    janitor.init()
    yield server.url_for(janitor.dbname)
    janitor.drop()


def test_upgrade_keeps_old_repeats_reported_and_refuses_new_ones(old_database, head_bundle):  # noqa: F811
    url = old_database
    assert psql_file(url, PREVIOUS_BUNDLE).returncode == 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"SELECT erp.tenant_create(%s, {SYS}, 'Old', 'UTC')", (TENANT,))
        seq_id = conn.execute(
            f"SELECT id FROM erp.sequence_create(%s, {SYS}, 'A', 'A', 'A-1', '', 0)",
            (TENANT,)).fetchone()[0]
        issued = [conn.execute(f"SELECT formatted FROM erp.sequence_next(%s, {SYS}, 'A')",
                               (TENANT,)).fetchone()[0] for _ in range(2)]
        conn.execute(f"SELECT erp.sequence_update(%s, {SYS}, %s, '{{\"prefix\": \"A-\"}}')",
                     (TENANT, seq_id))
        issued += [conn.execute(f"SELECT formatted FROM erp.sequence_next(%s, {SYS}, 'A')",
                                (TENANT,)).fetchone()[0] for _ in range(9)]
    assert issued == ["A-11", "A-12"] + [f"A-{n}" for n in range(3, 12)], "0.1.0 repeats A-11"

    result = psql_file(url, head_bundle)
    assert result.returncode == 0, result.stderr

    with psycopg.connect(url, autocommit=True) as conn:
        problems = conn.execute(
            "SELECT problem, detail ->> 'formatted', detail ->> 'times' FROM erp.audit_verify(%s)",
            (TENANT,)).fetchall()
        assert problems == [("repeated_number", "A-11", "2")]
        ledger = [r[0] for r in conn.execute(
            "SELECT formatted FROM erp.erp_sequence_numbers WHERE sequence_id = %s ORDER BY 1",
            (seq_id,))]
        assert ledger == sorted(set(issued))
        with pytest.raises(psycopg.Error) as err:
            conn.execute(f"SELECT * FROM erp.sequence_next(%s, {SYS}, 'A')", (TENANT,))
        assert err.value.sqlstate == "ZE009"
        assert "'A-12'" in err.value.diag.message_primary
        assert conn.execute(
            "SELECT next_value FROM erp.erp_sequence_counters WHERE sequence_id = %s",
            (seq_id,)).fetchone()[0] == 12, "the refusal allocated nothing"
        # a format that no issued number fits gets the sequence going again
        conn.execute(f"SELECT erp.sequence_update(%s, {SYS}, %s, '{{\"prefix\": \"A/\"}}')",
                     (TENANT, seq_id))
        assert conn.execute(f"SELECT formatted FROM erp.sequence_next(%s, {SYS}, 'A')",
                            (TENANT,)).fetchone()[0] == "A/12"
