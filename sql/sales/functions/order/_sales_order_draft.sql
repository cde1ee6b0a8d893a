-- The order locked for a change of a draft: ZE001 missing (or another tenant's), ZE004 stale
-- version, ZE009 when it is no longer a draft. Every change of an order or its lines takes the
-- order's lock first, then its lines': one lock order, so two editors never deadlock.
CREATE OR REPLACE FUNCTION erp._sales_order_draft(p_tenant_id uuid, p_order_id uuid, p_expected_version bigint)
RETURNS erp.sales_orders
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_order erp.sales_orders;
BEGIN
    v_order := erp._sales_order_lock(p_tenant_id, p_order_id, p_expected_version);
    IF v_order.state <> 'draft' THEN
        RAISE EXCEPTION 'sales order % is %, not a draft', coalesce(v_order.number, v_order.id::text), v_order.state
            USING ERRCODE = 'ZE009', HINT = 'Only draft orders and their lines change.';
    END IF;
    RETURN v_order;
END
$fn$;
COMMENT ON FUNCTION erp._sales_order_draft(uuid, uuid, bigint) IS
    'The draft order locked for a change (ZE001 missing, ZE004 stale, ZE009 not a draft).';
