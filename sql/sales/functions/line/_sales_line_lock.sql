-- A line of a draft order locked for a change, after its order (the order's lock first, as for
-- every change of a draft; p_expected_version is the ORDER's version): ZE001 missing line,
-- ZE004 stale order, ZE009 order not a draft.
CREATE OR REPLACE FUNCTION erp._sales_line_lock(p_tenant_id uuid, p_line_id uuid, p_expected_version bigint)
RETURNS erp.sales_order_lines
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_order_id uuid;
BEGIN
    SELECT l.order_id INTO v_order_id FROM erp.sales_order_lines AS l
    WHERE l.tenant_id = p_tenant_id AND l.id = p_line_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sales order line % not found in this tenant', coalesce(p_line_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    PERFORM erp._sales_order_draft(p_tenant_id, v_order_id, p_expected_version);
    RETURN erp._sales_order_line_lock(p_tenant_id, p_line_id, NULL);
END
$fn$;
COMMENT ON FUNCTION erp._sales_line_lock(uuid, uuid, bigint) IS
    'The line locked after its draft order (ZE001 missing, ZE004 stale order version, ZE009 not a draft).';
