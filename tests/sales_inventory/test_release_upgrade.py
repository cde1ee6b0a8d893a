"""Upgrading every module in place with psql alone: the newest earlier release with module
bundles installs base, sales, inventory and the bridge; an order is confirmed and delivered in
part, a tax and a location are created and changed, a contact moves to another company (the
functions this version generates instead of hand-written files); then this version's four
bundles, base first, upgrade the database. Afterwards

* the catalog equals a fresh install of the same bundles (owners and ACLs included),
* every row and every audit event written before is unchanged,
* the generated create and update functions write on top, refuse as the old ones did, and
  audit_verify and inventory_verify are clean,
* applying the bundles again changes nothing and says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from erp_ops import __version__, build_bundle, migrate
from harness import testing
from tests.base.test_upgrade import schema_dump
from tests.conftest import fresh_databases, sqlstate
from tests.sales_inventory.shop import CTX, Shop
from tests.tooling.test_modules import psql  # psql -1 -f, as a DBA applies a bundle

ORDER = ("erp.sql", "erp-sales.sql", "erp-inventory.sql", "erp-sales_inventory.sql")
# the newest earlier release that has a bundle per module
PREVIOUS = max((p for p in (migrate.ROOT / "releases").iterdir()
                if (p / "erp-sales_inventory.sql").is_file() and p.name != f"v{__version__}"),
               key=lambda p: tuple(int(n) for n in p.name[1:].split(".")))


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    written = build_bundle.write_all(tmp_path_factory.mktemp("dist"))
    return {p.name: p for p in written}


@pytest.fixture
def databases(server: testing.Server) -> Iterator[tuple[str, str]]:
    yield from fresh_databases(server, "erp_mod_upg")


def apply(url: str, folder: Path | dict[str, Path]) -> list[str]:
    outputs = []
    for name in ORDER:
        result = psql(url, folder[name] if isinstance(folder, dict) else folder / name)
        assert result.returncode == 0, (name, result.stderr)
        outputs.append(result.stderr)
    return outputs


def snapshot(conn: psycopg.Connection) -> dict[str, str]:
    """Every table of schema erp (the trail's parent, not its partitions), as a digest of its
    rows."""
    tables = [r[0] for r in conn.execute(
        "SELECT c.oid::regclass::text FROM pg_class AS c WHERE c.relnamespace = 'erp'::regnamespace"
        " AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1")]
    return {t: conn.execute(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                            f" FROM {t} AS t").fetchone()[0] for t in tables}


def test_every_module_upgrades_from_the_previous_release(databases, bundles):
    upgraded, fresh = databases
    apply(upgraded, PREVIOUS)
    with psycopg.connect(upgraded, autocommit=True) as conn:
        shop = Shop(conn)
        book = shop.product("BOOK", on_hand=10)
        order, _delivery = shop.partly_delivered(book)
        q = conn.execute
        tax = q("SELECT id FROM erp.sales_tax_create(%s, %s, %s, %s, 'VAT', 'VAT', 20)",
                (shop.tenant, *CTX)).fetchone()[0]
        q("SELECT erp.sales_tax_update(%s, %s, %s, %s, %s, %s)",
          (shop.tenant, *CTX, tax, Jsonb({"rate": 21})))
        stock = shop.locations["stock"]["id"]
        bin_ = q("SELECT id FROM erp.inventory_location_create(%s, %s, %s, %s, 'BIN-1', 'Bin 1',"
                 " 'internal', %s)", (shop.tenant, *CTX, stock)).fetchone()[0]
        before = snapshot(conn)
        modules = q("SELECT name, version FROM erp_meta.modules ORDER BY 1").fetchall()
    assert {v for _, v in modules} == {PREVIOUS.name[1:]}

    applied = apply(upgraded, bundles)
    assert f"erp.base {__version__}: applied" in applied[0]
    apply(fresh, bundles)
    got, want = schema_dump(upgraded), schema_dump(fresh)
    assert got == want, "the upgraded catalog differs from a fresh install"

    with psycopg.connect(upgraded, autocommit=True) as conn:
        assert snapshot(conn) == before, "rows or events changed in the upgrade"
        shop.conn = conn
        assert conn.execute("SELECT name, version FROM erp_meta.modules ORDER BY 1").fetchall() == [
            (name, __version__) for name in ("base", "inventory", "sales", "sales_inventory")]
        q = conn.execute
        t = shop.tenant
        # the generated functions write on top of the old data, and refuse as before
        q("SELECT erp.sales_tax_update(%s, %s, %s, %s, %s, %s)",
          (t, *CTX, tax, Jsonb({"name": " VAT 21 "})))
        assert q("SELECT name, rate FROM erp.sales_tax_get(%s, %s)",
                 (t, tax)).fetchone() == ("VAT 21", 21), "trimmed, as before"
        assert sqlstate(conn, "SELECT erp.sales_tax_create(%s, %s, %s, %s, 'vat', 'Again', 5)",
                        (t, *CTX)) == "ZE002"
        shelf = q("SELECT id FROM erp.inventory_location_create(%s, %s, %s, %s, 'SHELF', 'Shelf',"
                  " 'internal')", (t, *CTX)).fetchone()[0]
        q("SELECT erp.inventory_location_update(%s, %s, %s, %s, %s, %s)",
          (t, *CTX, bin_, Jsonb({"parent_id": str(shelf)})))
        assert sqlstate(conn, "SELECT erp.inventory_location_update(%s, %s, %s, %s, %s, %s)",
                        (t, *CTX, shelf, Jsonb({"parent_id": str(bin_)}))) == "ZE009", "a cycle"
        company = q("SELECT id FROM erp.partner_create(%s, %s, %s, %s, 'CO', 'Company')",
                    (t, *CTX)).fetchone()[0]
        q("SELECT erp.partner_update(%s, %s, %s, %s, %s, %s)",
          (t, *CTX, shop.customer, Jsonb({"parent_id": str(company)})))
        assert sqlstate(conn, "SELECT erp.partner_update(%s, %s, %s, %s, %s, %s)",
                        (t, *CTX, company, Jsonb({"kind": "person"}))) == "ZE005"
        rest = shop.deliveries(order)[-1]
        shop.validate(rest)
        assert shop.get(order)["state"] == "done"
        assert q("SELECT * FROM erp.audit_verify(%s)", (t,)).fetchall() == []
        assert q("SELECT * FROM erp.inventory_verify(%s)", (t,)).fetchall() == []

    again = apply(upgraded, bundles)
    assert all("already current" in out for out in again), again
    assert schema_dump(upgraded) == got
