"""Adding sales to an installed database of the previous release: ``releases/v0.3.0/erp.sql``
installs base 0.3.0; the sales bundle is then refused (ZE009, it requires base 0.5.0, nothing
written); after base's bundle of this version, sales' bundle (``make bundle``'s
``dist/erp-sales.sql``) installs it with psql alone, and so does the runner (``erp-harness
migrate --module sales``, which upgrades base on the way). Then an order is created and
confirmed, gets its number at commit, and ``audit_verify`` is clean; applying the sales bundle
again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import harness
from erp_ops import build_bundle, migrate
from harness import testing
from tests.sales.orders import (
    call,
    connect,
    line_json,
    new_shop,
    order_create,
    order_get,
    tax_create,
)
from tests.tooling.test_modules import psql  # psql -1 -f, as a DBA applies a bundle

PREVIOUS = migrate.ROOT / "releases" / "v0.3.0" / "erp.sql"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    """This version's bundles, as ``make bundle`` writes them."""
    written = build_bundle.write_all(tmp_path_factory.mktemp("dist"))
    return {p.name: p for p in written}


@pytest.fixture
def old_db(server: testing.Server) -> Iterator[str]:
    """A database installed by the previous release's bundle."""
    janitor = server.janitor(testing.unique_name("erp_sales_upg"))
    janitor.init()
    url = server.url_for(janitor.dbname)
    result = psql(url, PREVIOUS)
    assert result.returncode == 0, result.stderr
    yield url
    janitor.drop()


def modules(url: str) -> list[tuple]:
    with connect(url) as c:
        return c.execute("SELECT name, version FROM erp_meta.modules ORDER BY 1").fetchall()


@pytest.mark.parametrize("how", ["bundles", "runner"])
def test_sales_is_added_to_a_database_of_the_previous_release(old_db, bundles, how):
    assert modules(old_db) == [("base", "0.3.0")]
    sales_version = migrate.read_module(migrate.SQL_ROOT / "sales").version
    if how == "bundles":
        refused = psql(old_db, bundles["erp-sales.sql"])
        assert refused.returncode != 0
        assert "requires module base" in refused.stderr and "0.3.0 is installed" \
            in refused.stderr, refused.stderr
        assert modules(old_db) == [("base", "0.3.0")], "nothing of the refused bundle"
        for name in ("erp.sql", "erp-sales.sql"):
            result = psql(old_db, bundles[name])
            assert result.returncode == 0, result.stderr
        again = psql(old_db, bundles["erp-sales.sql"])
        assert again.returncode == 0 and "the database is already current" in again.stderr
    else:
        applied = migrate.migrate(old_db, module="sales", log=lambda *_: None)
        assert any(name.startswith("sales/") for name in applied)
        assert not any(name.startswith("inventory/") for name in applied), "sales alone"
    assert modules(old_db) == [("base", harness.__version__), ("sales", sales_version)]

    with connect(old_db, autocommit=True) as c:
        shop = new_shop(c, "Upgraded")
        tax_create(c, shop, "VAT", "20", False)
        order = order_create(c, shop, [line_json(shop, 3, "12.50", 0, ["VAT"])])
        confirmed = call(c, "sales_order_confirm", shop.tenant, order["id"],
                         expected_version=order["version"])
        assert confirmed is not None
        done = order_get(c, shop.tenant, order["id"])
        assert (done["state"], done["number"]) == ("confirmed", "SO/2026/00001")
        assert (done["amount_untaxed"], done["amount_tax"], done["amount_total"]) == (
            37.5, 7.5, 45)
        assert c.execute("SELECT * FROM erp.audit_verify(%s)", (shop.tenant,)).fetchall() == []
