"""The extension points of sales orders (docs/modules.md "Hooks"): ``erp.sales.order.confirm``
and ``erp.sales.order.cancel`` run inside the operation's transaction with ``{"order": the
order as sales_order_get returns it, "actor_user_id", "actor_type", "trace_id"}``; a hook that
raises aborts the operation: the order is unchanged, no event is written and no number is
allocated, so the series stays gapless. The hooks here are test functions registered directly
in the registry (a module registers its own from its migration)."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from tests.sales.orders import (
    call,
    connect,
    line_json,
    new_shop,
    order_create,
    order_get,
    tax_create,
)

USER = "00000000-0000-4000-9000-0000000000ab"
HOOKS_SQL = """
SET LOCAL ROLE erp_owner;  -- as a module's migration: the operations run as the owner
CREATE TABLE erp.test_sales_hook_calls (n bigserial, hook text, tenant_id uuid, record jsonb);
CREATE FUNCTION erp._test_sales_record_confirm(p_tenant_id uuid, p_record jsonb) RETURNS void
LANGUAGE sql AS $fn$
    INSERT INTO erp.test_sales_hook_calls (hook, tenant_id, record)
    VALUES ('erp.sales.order.confirm', p_tenant_id, p_record)
$fn$;
CREATE FUNCTION erp._test_sales_record_cancel(p_tenant_id uuid, p_record jsonb) RETURNS void
LANGUAGE sql AS $fn$
    INSERT INTO erp.test_sales_hook_calls (hook, tenant_id, record)
    VALUES ('erp.sales.order.cancel', p_tenant_id, p_record)
$fn$;
CREATE FUNCTION erp._test_sales_refuse(p_tenant_id uuid, p_record jsonb) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'refused by a hook' USING ERRCODE = 'ZE009';
END
$fn$;
"""


def register(conn, hook: str, function: str, position: int) -> None:
    conn.execute("INSERT INTO erp_meta.hooks (hook, module, function, position)"
                 " VALUES (%s, 'sales_test', %s, %s)", (hook, function, position))


def unregister(conn, function: str) -> None:
    conn.execute("DELETE FROM erp_meta.hooks WHERE function = %s", (function,))


@pytest.fixture
def hooked(dsn):
    with connect(dsn, autocommit=True) as c:
        with c.transaction():
            c.execute(HOOKS_SQL)
        shop = new_shop(c, "Hooks")
        tax_create(c, shop, "VAT", "19", False)
        yield c, shop


def user_call(c, fn: str, tenant, order_id, trace: str):
    return c.execute(f"SELECT erp.{fn}(%s, %s, 'USER', %s, p_order_id => %s)",
                     (tenant, USER, trace, order_id)).fetchone()[0]


def trail(c, tenant) -> tuple:
    """Events of the tenant, the SO counters, and the number requests queued."""
    return (c.execute("SELECT count(*) FROM erp.erp_audit_events WHERE tenant_id = %s",
                      (tenant,)).fetchone()[0],
            c.execute("SELECT coalesce(sum(c.next_value), 0) FROM erp.erp_sequence_counters AS c"
                      " WHERE c.tenant_id = %s", (tenant,)).fetchone()[0],
            c.execute("SELECT count(*) FROM erp.erp_number_requests").fetchone()[0])


def test_confirm_and_cancel_hooks_get_the_order_and_the_callers_context(hooked):
    c, shop = hooked
    register(c, "erp.sales.order.confirm", "erp._test_sales_record_confirm(uuid,jsonb)", 10)
    register(c, "erp.sales.order.cancel", "erp._test_sales_record_cancel(uuid,jsonb)", 10)
    order = order_create(c, shop, [line_json(shop, 2, "50", 0, ["VAT"])])
    user_call(c, "sales_order_confirm", shop.tenant, order["id"], "trace-confirm")
    user_call(c, "sales_order_cancel", shop.tenant, order["id"], "trace-cancel")
    calls = c.execute("SELECT hook, tenant_id, record FROM erp.test_sales_hook_calls ORDER BY n"
                      ).fetchall()
    assert [(h, t) for h, t, _r in calls] == [("erp.sales.order.confirm", shop.tenant),
                                              ("erp.sales.order.cancel", shop.tenant)]
    for (_h, _t, record), state, trace in zip(calls, ("confirmed", "cancelled"),
                                              ("trace-confirm", "trace-cancel"), strict=True):
        assert set(record) == {"order", "actor_user_id", "actor_type", "trace_id"}
        assert (record["actor_user_id"], record["actor_type"], record["trace_id"]) == (
            USER, "USER", trace)
        assert record["order"]["id"] == order["id"] and record["order"]["state"] == state
        assert record["order"]["amount_total"] == 119
        assert [ln["quantity"] for ln in record["order"]["lines"]] == [2]
    assert record["order"]["number"] == "SO/2026/00001", "cancel sees the number of the confirm"


@pytest.mark.parametrize("operation", ["confirm", "cancel"])
def test_a_failing_hook_aborts_the_operation_and_the_series_stays_gapless(hooked, operation):
    c, shop = hooked
    first = order_create(c, shop, [line_json(shop, 1, "10", 0, [])])
    call(c, "sales_order_confirm", shop.tenant, first["id"])
    second = order_create(c, shop, [line_json(shop, 1, "20", 0, ["VAT"])], order_date=date(
        2026, 3, 3))
    if operation == "cancel":
        call(c, "sales_order_confirm", shop.tenant, second["id"])
    register(c, f"erp.sales.order.{operation}", "erp._test_sales_refuse(uuid,jsonb)", 20)
    before, before_trail = order_get(c, shop.tenant, second["id"]), trail(c, shop.tenant)
    with pytest.raises(psycopg.Error) as refused:
        call(c, f"sales_order_{operation}", shop.tenant, second["id"])
    assert refused.value.sqlstate == "ZE009"
    assert order_get(c, shop.tenant, second["id"]) == before, "the order is unchanged"
    assert trail(c, shop.tenant) == before_trail, "no event, no number, no request left"
    unregister(c, "erp._test_sales_refuse(uuid,jsonb)")
    done = call(c, f"sales_order_{operation}", shop.tenant, second["id"])
    assert done["state"] == ("confirmed" if operation == "confirm" else "cancelled")
    assert order_get(c, shop.tenant, second["id"])["number"] == "SO/2026/00002"
    assert c.execute("SELECT * FROM erp.audit_verify(%s)", (shop.tenant,)).fetchall() == []
