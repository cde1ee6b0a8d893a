"""Upgrading in place: the previous release's bundle installs a database, every public function
of that release writes data, HEAD's bundle upgrades it with psql alone, and then

* the catalog equals a fresh install's (pg_dump --schema-only, owners and ACLs included; the
  audit trail's partitions are data-dependent and compared on their protection instead),
* every row and every audit event written before is still there, unchanged,
* audit_verify is clean for every tenant, and HEAD's functions write on top of the old data,
* running the bundle again changes nothing and says so.

The previous release's bundle is kept in ``releases/<tag>/erp.sql`` (built from the tag by that
release's own code), so the test needs no git history.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from erp_ops import __version__, migrate
from harness import cluster, testing
from tests.conftest import fresh_databases

BIN = cluster.pg_bindir()
# every release kept under releases/ before this version is a starting point of the upgrade;
# the release of this version itself, when it is cut, is this bundle (tested below)
KEPT = sorted(p.name for p in (migrate.ROOT / "releases").iterdir() if (p / "erp.sql").is_file())
RELEASES = [r for r in KEPT if r != f"v{__version__}"]
# the oldest release's bundle: other upgrade tests start from it
PREVIOUS_BUNDLE = migrate.ROOT / "releases" / "v0.1.0" / "erp.sql"
VOLATILE_PREFIXES = ("\\restrict ", "\\unrestrict ")
SYS = "NULL, 'SYSTEM', 'upgrade-test'"
USER = "'00000000-0000-4000-9000-0000000000aa', 'USER', 'upgrade-test'"


def psql_file(url: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(path), url],
        capture_output=True, text=True, timeout=600)


def schema_dump(url: str) -> str:
    """pg_dump --schema-only with owners and ACLs, the audit partitions left out."""
    result = subprocess.run(
        [str(BIN / "pg_dump"), "--schema-only", "--exclude-table=erp.erp_audit_events_*",
         "--dbname", url], capture_output=True, text=True, timeout=300, check=True)
    return "\n".join(line for line in result.stdout.splitlines()
                     if not line.startswith(VOLATILE_PREFIXES)) + "\n"


@pytest.fixture(scope="module")
def head_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "erp.sql"
    out.write_text(migrate.bundle())
    return out


@pytest.fixture
def databases(server: testing.Server) -> Iterator[tuple[str, str]]:
    yield from fresh_databases(server, "erp_upg")


def write_through_every_function(conn: psycopg.Connection,
                                 functions: set[str] = frozenset()) -> list[uuid.UUID]:
    """Calls every public function of v0.1.0 (its signatures) on two tenants, and those of
    ``functions`` (the release's public functions) that later releases added."""
    tenants = [uuid.uuid4(), uuid.uuid4()]
    q = conn.execute

    def one(sql: str, *args):
        return q(sql, args).fetchone()[0]

    for i, t in enumerate(tenants):
        q(f"SELECT erp.tenant_create(%s, {SYS}, %s, 'Europe/Berlin')", (t, f"Tenant {i}"))
        one("SELECT (erp.tenant_get(%s)).id", t)
        q(f"SELECT erp.uom_category_create(%s, {SYS}, 'W', 'Weight')", (t,))
        q("SELECT * FROM erp.uom_category_list(%s)", (t,))
        kg = one(f"SELECT (erp.uom_create(%s, {SYS}, 'KG', 'Kilogram', 'W')).id", t)
        g = one(f"SELECT (erp.uom_create(%s, {USER}, 'G', 'Gram', 'W', 'smaller', 1000, 1)).id", t)
        t_ = one(f"SELECT (erp.uom_create(%s, {SYS}, 'T', 'Tonne', 'W', 'bigger', 1000)).id", t)
        q(f"SELECT erp.uom_update(%s, {USER}, %s, '{{\"name\": \"Metric ton\"}}', 1)", (t, t_))
        q(f"SELECT erp.uom_archive(%s, {SYS}, %s)", (t, t_))
        q(f"SELECT erp.uom_restore(%s, {SYS}, %s)", (t, t_))
        one("SELECT (erp.uom_get(%s, %s)).code", t, g)
        q("SELECT * FROM erp.uom_list(%s, true, 'W')", (t,))
        assert one("SELECT erp.uom_convert(%s, 2.5, %s, %s)", t, kg, g) == 2500
        acme = one(f"SELECT (erp.partner_create(%s, {SYS}, 'ACME', 'Acme', 'company', NULL,"
                   " 'info@acme.example', '+49 30 1', 'DE123', '{\"city\": \"Berlin\"}')).id", t)
        jane = one(f"SELECT (erp.partner_create(%s, {USER}, 'JANE', 'Jane', 'person', %s)).id",
                   t, acme)
        q(f"SELECT erp.partner_update(%s, {USER}, %s, '{{\"email\": \"jane@acme.example\"}}')",
          (t, jane))
        q(f"SELECT erp.partner_archive(%s, {SYS}, %s)", (t, jane))
        q(f"SELECT erp.partner_restore(%s, {SYS}, %s)", (t, jane))
        one("SELECT (erp.partner_get(%s, %s)).code", t, acme)
        q("SELECT * FROM erp.partner_list(%s, true)", (t,))
        widget = one(f"SELECT (erp.product_create(%s, {SYS}, 'W-1', 'Widget', %s, 'goods', 19.90,"
                     " '4006381333931', %s)).id", t, kg, g)
        q(f"SELECT erp.product_update(%s, {USER}, %s, '{{\"list_price\": 24.50}}', 1)", (t, widget))
        q(f"SELECT erp.product_archive(%s, {SYS}, %s)", (t, widget))
        q(f"SELECT erp.product_restore(%s, {SYS}, %s)", (t, widget))
        one("SELECT (erp.product_get(%s, %s)).sku", t, widget)
        q("SELECT * FROM erp.product_list(%s, true)", (t,))
        seq = one(f"SELECT (erp.sequence_create(%s, {SYS}, 'INV', 'Invoices', 'INV/{{YYYY}}/', '',"
                  " 4, 1, 1, 'yearly')).id", t)
        q(f"SELECT erp.sequence_create(%s, {SYS}, 'SO', 'Orders', 'SO-')", (t,))
        q(f"SELECT erp.sequence_update(%s, {SYS}, %s, %s::jsonb)",
          (t, seq, '{"name": "Sales invoices"}'))
        one("SELECT (erp.sequence_get(%s, %s)).code", t, seq)
        q("SELECT * FROM erp.sequence_list(%s)", (t,))
        for day in (dt.date(2025, 12, 31), dt.date(2026, 1, 2), dt.date(2025, 12, 31)):
            q(f"SELECT * FROM erp.sequence_next(%s, {USER}, 'INV', %s)", (t, day))
        q(f"SELECT * FROM erp.sequence_next_batch(%s, {SYS}, 'SO', 5)", (t,))
        q("SELECT * FROM erp.sequence_peek(%s, 'INV', '2026-03-01')", (t,))
        cat = one(f"SELECT erp.atomic_insert_with_audit(%s, {SYS}, 'erp.base.uom_category',"
                  " '{\"code\": \"LEN\", \"name\": \"Length\"}') ->> 'id'", t)
        q(f"SELECT erp.atomic_insert_many_with_audit(%s, {SYS}, 'erp.base.uom_category',"
          " '[{\"code\": \"VOL\", \"name\": \"Volume\"},"
          " {\"code\": \"TIME\", \"name\": \"Time\"}]')",
          (t,))
        q(f"SELECT erp.atomic_update_with_audit(%s, {SYS}, 'erp.base.uom_category', %s,"
          " '{\"name\": \"Lengths\"}')", (t, cat))
        q("SELECT * FROM erp.audit_history(%s, 'erp.base.product', %s)", (t, widget))
        q("SELECT * FROM erp.audit_events(%s)", (t,))
        assert one("SELECT erp.entity_as_of(%s, 'erp.base.product', %s, now()) ->> 'sku'",
                   t, widget) == "W-1"
        assert q("SELECT * FROM erp.audit_verify(%s)", (t,)).fetchall() == []
    if "audit_seal" in functions:  # v0.2.0: the trail at scale, the seal, the feed, numbers
        write_through_v020_functions(conn, tenants)
    if "audit_restored" in functions:  # v0.3.0: evidence, eras, subscribers, retention
        write_through_v030_functions(conn)
    return tenants


def write_through_v030_functions(conn: psycopg.Connection) -> None:
    """Calls every public function v0.3.0 added (its signatures)."""
    q = conn.execute
    ddl = q("SELECT erp.audit_subscriber_ddl()").fetchone()[0]
    assert "CREATE TABLE erp.erp_audit_events" in ddl
    # no restore happened: the post-restore step is refused, naming why
    assert refused(conn, f"SELECT erp.audit_restored({SYS})", ()) == "ZE009"
    # the same retention again changes nothing and returns it
    assert q(f"SELECT erp.audit_retention_set({SYS}, 120)").fetchone()[0] == 120
    month = q("SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date").fetchone()[0]
    problems = {r[0] for r in q("SELECT * FROM erp.audit_archive_check(%s, 0, %s)",
                                (month, "0" * 64))}
    # a month this test never archived, against a digest of nothing
    assert "not_archived" in problems, problems


def refused(conn: psycopg.Connection, sql: str, args: tuple) -> str:
    """The SQLSTATE with which ``sql`` is refused (the call happened; nothing was written)."""
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(sql, args)
    return caught.value.sqlstate


def write_through_v020_functions(conn: psycopg.Connection, tenants: list[uuid.UUID]) -> None:
    """Calls every public function v0.2.0 added (its signatures)."""
    q = conn.execute
    assert q("SELECT count(*) FROM erp.audit_maintain(3)").fetchone()[0] >= 0
    assert q("SELECT count(*) FROM erp.audit_partitions()").fetchone()[0] >= 1
    assert {r[0] for r in q("SELECT tenant_id FROM erp.audit_tenants()")} >= set(tenants)
    empty = dt.date(2015, 3, 1)  # a month without events: digest of nothing
    events, sha = q("SELECT * FROM erp.audit_month_digest(%s)", (empty,)).fetchone()
    assert events == 0
    assert q("SELECT count(*) FROM erp.audit_month_export(%s)", (empty,)).fetchone()[0] == 0
    record = (f"SELECT erp.audit_archive_record({SYS}, %s, 0, %s,"
              " 'file:///archive/2015-03.jsonl')")
    if q("SELECT version FROM erp_meta.installation").fetchone()[0] == "0.2.0":
        q(record, (empty, sha))
    else:  # since 0.3.0 a month no partition holds is not recorded as archived
        assert refused(conn, record, (empty, sha)) == "ZE009"
    # that month has no partition to purge: refused, naming it
    assert refused(conn, f"SELECT * FROM erp.audit_purge({SYS}, %s)", (empty,)).startswith("ZE")
    for t in tenants:
        assert q("SELECT count(*) FROM erp.audit_seal(%s)", (t,)).fetchone()[0] >= 1
        assert q("SELECT events FROM erp.audit_seal_head(%s)", (t,)).fetchone()[0] > 0
        assert q("SELECT * FROM erp.audit_seal_verify(%s)", (t,)).fetchall() == []
        assert q("SELECT count(*) FROM erp.audit_feed(%s, NULL, 10)", (t,)).fetchone()[0] >= 0
        assert q("SELECT count(*) FROM erp.audit_feed_lag(%s)", (t,)).fetchone()[0] == 1
        # a number at commit for an entity without a number column is refused at request
        assert refused(conn, f"SELECT erp.sequence_next_at_commit(%s, {SYS}, 'INV',"
                       " 'erp.base.partner', %s)", (t, uuid.uuid4())) == "ZE003"


def v010_public_functions(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'erp' AND p.proname !~ '^_' AND p.proname <> 'uuid_v7'")}


ENTITY_TABLES = ["erp_tenants", "erp_uom_categories", "erp_uoms", "erp_partners", "erp_products",
                 "erp_sequences", "erp_sequence_counters"]
EVENT_COLUMNS = ("tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,"
                 " trace_id, payload, entity_version, changes, created_at")


def data(conn: psycopg.Connection) -> dict[str, list]:
    """Every stored value the old release wrote (generated key columns aside: they are derived)."""
    out = {}
    for table in ENTITY_TABLES:
        cols = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum", (f"erp.{table}",))]
        out[table] = conn.execute(
            f"SELECT {', '.join(cols)} FROM erp.{table} ORDER BY 1, 2").fetchall()
    out["events"] = [
        (*row[:8], json.dumps(row[8], sort_keys=True), row[9], json.dumps(row[10], sort_keys=True),
         row[11])
        for row in conn.execute(f"SELECT {EVENT_COLUMNS} FROM erp.erp_audit_events ORDER BY id")]
    return out


def test_previous_release_bundles_are_kept():
    assert {"v0.1.0", "v0.2.0"} <= set(RELEASES)
    for release in RELEASES:
        assert "erp.base" in (migrate.ROOT / "releases" / release / "erp.sql").read_text()[:200]


def test_a_released_version_is_this_bundle(head_bundle):
    """A version's bundle under releases/ never changes: once this version is released, what
    the sources build is exactly that file (a change to the installed schema bumps the version
    in sql/base/module.json first)."""
    kept = migrate.ROOT / "releases" / f"v{__version__}" / "erp.sql"
    if not kept.exists():
        pytest.skip(f"version {__version__} is not released yet")
    assert kept.read_text() == head_bundle.read_text(), \
        f"releases/v{__version__}/erp.sql differs from what the sources build"
    # and every module's bundle of the release (a module's change bumps its manifest's version)
    for module in migrate.install_order(migrate.SQL_ROOT):
        if module.name != "base" and module.version == __version__:
            released = kept.parent / module.bundle_name
            assert released.exists(), f"releases/v{__version__}/{module.bundle_name} is missing"
            assert released.read_text() == migrate.bundle(module.path), \
                f"releases/v{__version__}/{module.bundle_name} differs from what the sources build"


@pytest.mark.parametrize("release", RELEASES)
def test_upgrade_from_previous_release(databases, head_bundle, release):
    upgraded, fresh = databases
    installed = psql_file(upgraded, migrate.ROOT / "releases" / release / "erp.sql")
    assert installed.returncode == 0, installed.stderr
    with psycopg.connect(upgraded, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        called = v010_public_functions(conn)
        tenants = write_through_every_function(conn, called)
        before = data(conn)
    source = (inspect.getsource(write_through_every_function)
              + inspect.getsource(write_through_v020_functions)
              + inspect.getsource(write_through_v030_functions))
    assert sorted(f for f in called if f"erp.{f}(" not in source) == [], "not every function called"
    assert before["events"]

    result = psql_file(upgraded, head_bundle)
    assert result.returncode == 0, result.stderr
    assert f"erp.base {__version__}: applied" in result.stderr
    assert psql_file(fresh, head_bundle).returncode == 0

    # the catalog equals a fresh install's
    got, want = schema_dump(upgraded), schema_dump(fresh)
    if got != want:
        import difflib

        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "fresh", "upgraded",
                                    lineterm="", n=2)
        pytest.fail("upgraded catalog differs from a fresh install:\n" + "\n".join(list(diff)[:80]))

    with psycopg.connect(upgraded, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        # the data is intact: every row and every event as the old release wrote it
        after = data(conn)
        for key, rows in before.items():
            assert after[key] == rows, f"{key} changed in the upgrade"
        # the trail is sound, and the new release writes on top of it
        for t in tenants:
            assert conn.execute("SELECT * FROM erp.audit_verify(%s)", (t,)).fetchall() == []
            kg = conn.execute("SELECT id FROM erp.uom_list(%s) WHERE code = 'KG'",
                              (t,)).fetchone()[0]
            conn.execute(f"SELECT erp.uom_update(%s, {SYS}, %s, '{{\"name\": \"Kilo\"}}')", (t, kg))
            conn.execute(f"SELECT erp.product_create(%s, {SYS}, 'W-2', 'Widget 2', %s)", (t, kg))
            conn.execute(f"SELECT * FROM erp.sequence_next(%s, {SYS}, 'INV', '2026-01-03')", (t,))
            assert conn.execute("SELECT * FROM erp.audit_verify(%s)", (t,)).fetchall() == []
        version = conn.execute("SELECT version FROM erp_meta.installation").fetchone()[0]
        assert version == __version__
        # the registry of modules: base, upgraded (a release before 0.2.0 kept no install time)
        assert conn.execute("SELECT name, version, upgraded_at IS NOT NULL FROM erp_meta.modules"
                            ).fetchall() == [("base", __version__, release != "v0.1.0")]
        assert conn.execute("SELECT DISTINCT module FROM erp_meta.schema_migrations"
                            ).fetchall() == [("base",)]

    # running it again changes nothing, and says so
    again = psql_file(upgraded, head_bundle)
    assert again.returncode == 0, again.stderr
    assert "already current" in again.stderr
    assert schema_dump(upgraded) == got
