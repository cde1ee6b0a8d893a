"""The Python client: named-notation calls, rows out, and one exception class per SQLSTATE."""

from __future__ import annotations

import datetime as dt
import inspect
import subprocess
import sys
import threading
import uuid
from decimal import Decimal

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from erp_client import errors
from erp_client.client import ErpClient
from erp_client.errors import (
    AuditImmutable,
    Duplicate,
    ErpError,
    InUse,
    InvalidActor,
    InvalidInput,
    InvalidOperation,
    NotFound,
    UnknownTenant,
    VersionConflict,
)
from tests.conftest import new_tenant


@pytest.fixture
def erp(conn, tenant) -> ErpClient:
    """A client on the superuser autocommit connection: every call commits."""
    return ErpClient(conn, tenant_id=tenant, trace_id="test")


# ---- the mapping itself: every documented SQLSTATE, raised by the server ----------------------
@pytest.mark.parametrize("state, cls", sorted(errors.BY_SQLSTATE.items()))
def test_every_sqlstate_translates_to_its_class(conn, state, cls):
    with pytest.raises(psycopg.Error) as info:
        conn.execute(f"""DO $$ BEGIN RAISE EXCEPTION 'refused %', 1
            USING ERRCODE = '{state}', DETAIL = 'the detail', HINT = 'the hint'; END $$""")
    exc = errors.translate(info.value)
    assert type(exc) is cls
    assert isinstance(exc, ErpError)
    assert (exc.sqlstate, exc.message, exc.detail, exc.hint) == (
        state, "refused 1", "the detail", "the hint")
    assert str(exc) == f"refused 1 [{state}]; the detail (hint: the hint)"


def test_all_ten_documented_codes_have_a_class(conn):
    assert sorted(errors.BY_SQLSTATE) == [f"ZE{i:03}" for i in range(1, 11)]
    assert {c.__name__ for c in errors.BY_SQLSTATE.values()} == {
        "NotFound", "Duplicate", "InvalidInput", "VersionConflict", "InUse", "UnknownTenant",
        "AuditImmutable", "InvalidActor", "InvalidOperation", "InsufficientStock"}
    with pytest.raises(psycopg.Error) as info:  # inventory's refusal, its DETAIL kept
        conn.execute("DO $$ BEGIN RAISE EXCEPTION 'not enough' USING ERRCODE = 'ZE010',"
                     " DETAIL = 'product=W1 location=STOCK available=6 requested=8'; END $$")
    exc = errors.translate(info.value)
    assert type(exc) is errors.InsufficientStock and exc.detail.startswith("product=W1")


def test_unknown_ze_code_is_a_plain_erp_error_and_others_stay_psycopg(conn):
    with pytest.raises(psycopg.Error) as info:
        conn.execute("DO $$ BEGIN RAISE EXCEPTION 'newer module' USING ERRCODE = 'ZE099'; END $$")
    exc = errors.translate(info.value)
    assert type(exc) is ErpError and exc.sqlstate == "ZE099"
    with pytest.raises(psycopg.Error) as info:
        conn.execute("SELECT 1/0")
    assert errors.translate(info.value) is info.value
    assert info.value.sqlstate == "22012"


# ---- the mapping through real refusals of the functions ------------------------------------
def test_not_found(erp):
    with pytest.raises(NotFound) as info:
        erp.sequence_get(uuid.uuid4())
    assert info.value.sqlstate == "ZE001"
    assert isinstance(info.value.__cause__, psycopg.Error)


def test_not_found_for_another_tenants_id(erp, conn):
    seq = erp.sequence_create("INV", "Invoices")
    other = erp.using(tenant_id=new_tenant(conn, "Other"))
    with pytest.raises(NotFound):
        other.sequence_get(seq["id"])


def test_duplicate(erp):
    erp.sequence_create("INV", "Invoices")
    with pytest.raises(Duplicate) as info:
        erp.sequence_create(" inv ", "Invoices again")
    assert info.value.sqlstate == "ZE002"
    assert [s["code"] for s in erp.sequence_list()] == ["INV"]


def test_invalid_input(erp):
    with pytest.raises(InvalidInput):
        erp.sequence_create("INV", "Invoices", reset="weekly")
    with pytest.raises(InvalidInput):
        erp.sequence_create("  ", "Empty code")
    assert erp.sequence_list() == []


def test_version_conflict(erp):
    seq = erp.sequence_create("INV", "Invoices")
    erp.sequence_update(seq["id"], {"name": "Sales invoices"}, expected_version=1)
    with pytest.raises(VersionConflict) as info:
        erp.sequence_update(seq["id"], {"name": "Stale"}, expected_version=1)
    assert info.value.sqlstate == "ZE004"
    assert erp.sequence_get(seq["id"])["name"] == "Sales invoices"


def test_in_use(erp):
    erp.uom_category_create("unit", "Units")
    unit = erp.uom_create("PC", "Piece", category="unit")
    dozen = erp.uom_create("DZ", "Dozen", category="unit", uom_type="bigger",
                           factor=Decimal(12))
    erp.product_create("EGG", "Eggs", uom_id=unit["id"], purchase_uom_id=dozen["id"])
    with pytest.raises(InUse) as info:
        erp.uom_archive(dozen["id"])
    assert info.value.sqlstate == "ZE005"
    assert erp.uom_get(dozen["id"])["active"] is True


def test_unknown_tenant(erp):
    with pytest.raises(UnknownTenant) as info:
        erp.using(tenant_id=uuid.uuid4()).sequence_create("INV", "Invoices")
    assert info.value.sqlstate == "ZE006"


def test_audit_immutable(conn, erp):
    erp.sequence_create("INV", "Invoices")
    with pytest.raises(psycopg.Error) as info:
        conn.execute("UPDATE erp.erp_audit_events SET trace_id = 'x'")
    exc = errors.translate(info.value)
    assert isinstance(exc, AuditImmutable) and exc.sqlstate == "ZE007"
    assert exc.hint


def test_invalid_actor(erp):
    with pytest.raises(InvalidActor) as info:
        erp.using(actor_type="USER").sequence_create("INV", "Invoices")
    assert info.value.sqlstate == "ZE008"
    with pytest.raises(InvalidActor):
        erp.using(actor_type="ROBOT").sequence_create("INV", "Invoices")
    assert erp.sequence_list() == []


def test_invalid_operation(erp):
    seq = erp.sequence_create("INV", "Invoices")
    erp.sequence_next("INV")
    with pytest.raises(InvalidOperation) as info:
        erp.sequence_update(seq["id"], {"step": 2})
    assert info.value.sqlstate == "ZE009"


def test_invalid_operation_conversion_across_categories(erp):
    erp.uom_category_create("unit", "Units")
    erp.uom_category_create("weight", "Weight")
    pc = erp.uom_create("PC", "Piece", category="unit")
    kg = erp.uom_create("KG", "Kilogram", category="weight")
    with pytest.raises(InvalidOperation):
        erp.uom_convert(Decimal(1), pc["id"], kg["id"])


# ---- calling convention ----------------------------------------------------------------------
def test_decimal_in_decimal_out_and_floats_refused(erp):
    erp.uom_category_create("weight", "Weight")
    kg = erp.uom_create("KG", "Kilogram", category="weight", rounding=Decimal("0.001"))
    g = erp.uom_create("G", "Gram", category="weight", uom_type="smaller",
                       factor=Decimal(1000), rounding=Decimal(1))
    assert isinstance(kg["rounding"], Decimal)
    assert erp.uom_convert(Decimal(2500), g["id"], kg["id"]) == Decimal("2.5")
    assert erp.uom_convert(Decimal("1.2345"), kg["id"], g["id"]) == Decimal(1235)
    with pytest.raises(TypeError, match="decimal.Decimal"):
        erp.uom_convert(2.5, g["id"], kg["id"])


def test_defaults_apply_when_arguments_are_omitted(erp):
    seq = erp.sequence_create("INV", "Invoices")
    assert (seq["prefix"], seq["padding"], seq["step"], seq["reset"]) == ("", 5, 1, "never")
    seq = erp.sequence_create("SO", "Orders", reset="yearly", prefix="SO/{YYYY}/", padding=3)
    assert erp.sequence_next("SO", dt.date(2024, 12, 31))["formatted"] == "SO/2024/001"


def test_dataclass_rows(conn, tenant):
    erp = ErpClient(conn, tenant_id=tenant, rows="dataclass")
    seq = erp.sequence_create("INV", "Invoices", prefix="INV-")
    assert type(seq).__name__ == "Sequence" and seq.code == "INV"
    number = erp.sequence_next("INV")
    assert type(number).__name__ == "Allocation"
    assert (number.allocated_value, number.formatted) == (1, "INV-00001")
    history = erp.audit_history("erp.base.sequence", seq.id)
    assert [type(e).__name__ for e in history] == ["AuditEvent", "AuditEvent"]
    assert erp.tenant_get().id == tenant


def test_missing_tenant_is_a_client_error(conn):
    with pytest.raises(ValueError, match="tenant_id"):
        ErpClient(conn).sequence_list()


def test_tenant_create_and_get(conn):
    erp = ErpClient(conn)
    row = erp.tenant_create("Kiwi Ltd", "Pacific/Auckland")
    assert row["timezone"] == "Pacific/Auckland"
    assert erp.using(tenant_id=row["id"]).tenant_get()["name"] == "Kiwi Ltd"
    with pytest.raises(Duplicate):
        erp.tenant_create("Again", tenant_id=row["id"])
    with pytest.raises(InvalidInput):
        erp.tenant_create("Nowhere", "Mars/Olympus_Mons")


def test_transaction_on_a_connection_rolls_back_a_number(dsn, tenant):
    with psycopg.connect(dsn) as conn:
        erp = ErpClient(conn, tenant_id=tenant)
        with erp.transaction():
            erp.sequence_create("INV", "Invoices")
        with pytest.raises(RuntimeError), erp.transaction():
            assert erp.sequence_next("INV")["allocated_value"] == 1
            raise RuntimeError("the caller changes its mind")
        with erp.transaction():
            assert erp.sequence_next("INV")["allocated_value"] == 1  # given back


def test_pool_transaction_and_concurrent_allocations(dsn, tenant):
    with ConnectionPool(dsn, min_size=1, max_size=8, open=True) as pool:
        erp = ErpClient(pool, tenant_id=tenant)
        erp.sequence_create("INV", "Invoices")
        seen: list[int] = []

        def allocate() -> None:
            for _ in range(5):
                with erp.transaction() as tx:
                    seen.append(tx.sequence_next("INV")["allocated_value"])

        threads = [threading.Thread(target=allocate) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(seen) == list(range(1, 41))
        assert erp.sequence_peek("INV")["allocated_value"] == 41
        assert erp.audit_verify() == []


def test_batch_history_events_and_time_travel(erp):
    seq = erp.sequence_create("INV", "Invoices", prefix="INV-", padding=3)
    batch = erp.sequence_next_batch("INV", 3)
    assert [b["formatted"] for b in batch] == ["INV-001", "INV-002", "INV-003"]
    erp.sequence_update(seq["id"], {"name": "Sales invoices"})
    history = erp.audit_history("erp.base.sequence", seq["id"])
    definitions = [e for e in history if e["entity_version"] is not None]
    assert [e["event_type"] for e in definitions] == [
        "erp.base.sequence.created", "erp.base.sequence.updated"]
    assert definitions[1]["changes"]["name"] == {"old": "Invoices", "new": "Sales invoices"}
    then = erp.entity_as_of("erp.base.sequence", seq["id"], definitions[0]["created_at"])
    assert then["name"] == "Invoices"
    assert erp.entity_as_of("erp.base.sequence", seq["id"],
                            definitions[0]["created_at"] - dt.timedelta(seconds=1)) is None
    pages = list(erp.iter_audit_events(page_size=2, event_type="erp.base.sequence.allocated"))
    assert [e["payload"]["allocated_value"] for e in pages] == [1, 2, 3]
    assert erp.audit_verify() == []


def test_generic_writers(erp):
    row = erp.atomic_insert_with_audit("erp.base.sequence", {"code": "GEN", "name": "Generic"})
    assert row["code"] == "GEN" and row["version"] == 1
    rows = erp.atomic_insert_many_with_audit(
        "erp.base.sequence", [{"code": "A", "name": "A"}, {"code": "B", "name": "B"}])
    assert sorted(r["code"] for r in rows) == ["A", "B"]
    updated = erp.atomic_update_with_audit("erp.base.sequence", row["id"], {"name": "Renamed"},
                                           expected_version=1)
    assert (updated["name"], updated["version"]) == ("Renamed", 2)
    with pytest.raises(InvalidInput):
        erp.atomic_update_with_audit("erp.base.nothing", row["id"], {})


def test_partner_tree_and_product_lifecycle(erp):
    acme = erp.partner_create("ACME", "Acme Corp", tax_id="DE123",
                              address={"city": "Berlin"})
    jane = erp.partner_create("JANE", "Jane Doe", kind="person", parent_id=acme["id"],
                              email="jane@acme.test")
    assert jane["parent_id"] == acme["id"] and acme["address"] == {"city": "Berlin"}
    with pytest.raises(InvalidOperation):
        erp.partner_update(acme["id"], {"parent_id": str(jane["id"])})
    with pytest.raises(Duplicate):
        erp.partner_create("ACME2", "Acme again", tax_id="DE123")
    erp.uom_category_create("unit", "Units")
    pc = erp.uom_create("PC", "Piece", category="unit")
    widget = erp.product_create("W-1", "Widget", uom_id=pc["id"], list_price=Decimal("19.90"))
    assert widget["list_price"] == Decimal("19.90")
    widget = erp.product_update(widget["id"], {"list_price": "24.50"}, expected_version=1)
    widget = erp.product_archive(widget["id"])
    assert [p["sku"] for p in erp.product_list()] == []
    assert [p["sku"] for p in erp.product_list(include_archived=True)] == ["W-1"]
    widget = erp.product_restore(widget["id"], expected_version=widget["version"])
    assert (widget["active"], widget["version"]) == (True, 4)
    assert [u["code"] for u in erp.uom_list(category="unit")] == ["PC"]
    assert {p["code"] for p in erp.partner_list()} == {"ACME", "JANE"}
    assert erp.audit_verify() == []


def test_other_errors_stay_psycopg_errors(erp):
    erp.sequence_create("INV", "Invoices")
    with pytest.raises(psycopg.Error) as info:
        erp.sequence_next_batch("INV", "many")  # not an integer: a driver/SQL error, no refusal
    assert not isinstance(info.value, ErpError)
    assert info.value.sqlstate == "22P02" and info.value.__cause__ is None


def test_decimal_in_patches_and_exact_json_numbers(erp):
    erp.uom_category_create("unit", "Units")
    pc = erp.uom_create("PC", "Piece", category="unit")
    p = erp.product_create("W", "Widget", uom_id=pc["id"], list_price=Decimal("19.90"))
    p = erp.product_update(p["id"], {"list_price": Decimal("24.50")})
    assert p["list_price"] == Decimal("24.50")
    change = erp.audit_history("erp.base.product", p["id"])[-1]["changes"]["list_price"]
    assert change == {"old": Decimal("19.90"), "new": Decimal("24.50")}
    assert str(change["old"]) == "19.90"  # JSON numbers come back exact, not as float


CONTEXT = {"p_tenant_id", "p_actor_user_id", "p_actor_type", "p_trace_id"}
# tenant_create's id, iter_audit_events' page size, audit_seal's switch to every tenant
CLIENT_ONLY = {"self", "tenant_id", "page_size", "all_tenants"}


def test_sales_order_lifecycle(erp):
    """Taxes, settings and an order through the client: JSON in and out with exact Decimals,
    the order's version for line changes, the number at commit, refusals as exceptions."""
    erp.uom_category_create("UNIT", "Units")
    pce = erp.uom_create("PCE", "Piece", category="UNIT")
    mug = erp.product_create("MUG", "Mug", uom_id=pce["id"], list_price=Decimal("14.35"))
    shop = erp.partner_create("SHOP", "Shop")
    vat = erp.sales_tax_create("VAT10", "VAT 10 %", 10, price_include=True)
    assert erp.sales_tax_get(vat["id"])["rate"] == 10
    assert [t["code"] for t in erp.sales_tax_list()] == ["VAT10"]
    assert erp.sales_settings_get()["version"] == 0
    assert erp.sales_settings_set({"tax_rounding": "global"})["tax_rounding"] == "global"
    order = erp.sales_order_create(shop["id"], lines=[
        {"product_id": mug["id"], "quantity": 1, "tax_ids": [vat["id"]]}] * 3)
    assert (order["amount_untaxed"], order["amount_tax"], order["amount_total"]) == (
        Decimal("39.15"), Decimal("3.91"), Decimal("43.06"))
    order = erp.sales_order_line_remove(order["lines"][2]["id"], expected_version=1)
    assert (order["version"], len(order["lines"])) == (2, 2)
    with pytest.raises(VersionConflict):
        erp.sales_order_line_add(order["id"], {"product_id": mug["id"], "quantity": 1}, 1)
    order = erp.sales_order_line_add(order["id"], {"product_id": mug["id"], "quantity": 2}, 2)
    order = erp.sales_order_line_update(order["lines"][2]["id"], {"quantity": 1}, 3)
    order = erp.sales_order_update(order["id"], {"note": "gift"}, 4)
    order = erp.sales_order_confirm(order["id"], 5)  # autocommit: numbered at once
    assert erp.sales_order_get(order["id"])["number"].startswith("SO/")
    assert [o["state"] for o in erp.sales_order_list(state="confirmed")] == ["confirmed"]
    with pytest.raises(InvalidOperation):
        erp.sales_order_confirm(order["id"])
    assert erp.sales_order_cancel(order["id"])["state"] == "cancelled"
    with pytest.raises(InUse):
        draft = erp.sales_order_create(shop["id"], lines=[
            {"product_id": mug["id"], "quantity": 1, "tax_ids": [vat["id"]]}])
        erp.sales_tax_archive(vat["id"])
    assert erp.sales_order_cancel(draft["id"])["state"] == "cancelled"
    assert erp.sales_tax_archive(vat["id"])["active"] is False
    assert erp.sales_tax_restore(vat["id"])["active"] is True
    assert erp.sales_tax_update(vat["id"], {"rate": Decimal("9.5")})["rate"] == Decimal("9.5")


def test_every_public_function_has_a_method_with_its_argument_names(conn):
    """The client follows the catalog: one method per public function of base, same argument names
    (named notation makes order irrelevant, but a renamed argument would break a call)."""
    functions = conn.execute("""
        SELECT p.proname, array_agg(a.name ORDER BY a.n) FILTER (WHERE a.mode IN ('i', 'b'))
        FROM pg_proc AS p
        CROSS JOIN LATERAL unnest(p.proargnames,
            coalesce(p.proargmodes, array_fill('i'::"char",
                ARRAY[coalesce(cardinality(p.proargnames), 0)])))
            WITH ORDINALITY AS a (name, mode, n)
        WHERE p.pronamespace = 'erp'::regnamespace AND p.proname !~ '^_'
            AND p.proname <> 'uuid_v7'
            -- base's API: other modules' functions (their files, their entities) are theirs
            AND p.oid::regprocedure::text NOT IN (SELECT m.signature
                FROM erp_meta.function_manifest AS m WHERE m.module <> 'base')
            AND p.proname NOT IN (SELECT g.function_name FROM erp_meta.generated_functions AS g
                WHERE g.entity_type NOT LIKE 'erp.base.%')
        GROUP BY p.oid, p.proname""").fetchall()
    assert len(functions) >= 35
    for name, args in functions:
        args = args or []  # no input argument (audit_tenants, audit_subscriber_ddl)
        method = getattr(ErpClient, name, None)
        assert method is not None, f"no ErpClient.{name}"
        params = {f"p_{p.rstrip('_')}" for p in inspect.signature(method).parameters} - {
            f"p_{c}" for c in CLIENT_ONLY}
        # the context a function takes comes from the client (audit_events' actor and trace
        # arguments are filters, not context: they stay method parameters)
        context = (CONTEXT if "p_actor_type" in args else {"p_tenant_id"}) & set(args)
        assert params == set(args) - context, name


def test_the_client_needs_nothing_but_psycopg():
    """erp_client.client and erp_client.errors import without rich (the CLI's dependency)."""
    code = ("import sys; sys.modules['rich'] = None; sys.modules['psycopg_pool'] = None; "
            "import erp_client.client, erp_client.errors; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
