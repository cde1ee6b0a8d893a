-- A tax that a line of a draft order uses stays active (ZE005): the draft would no longer
-- confirm. Confirmed, done and cancelled orders keep their amounts and do not hold it.
CREATE OR REPLACE FUNCTION erp._sales_tax_archive_check(
    p_tenant_id uuid, p_old erp.sales_taxes, p_new erp.sales_taxes
) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
BEGIN
    IF p_new.active IS DISTINCT FROM false THEN
        RETURN;
    END IF;
    IF EXISTS (
        SELECT 1 FROM erp.sales_order_lines AS l
        INNER JOIN erp.sales_orders AS o ON o.tenant_id = l.tenant_id AND o.id = l.order_id
        WHERE l.tenant_id = p_tenant_id AND l.active AND p_old.id = ANY (l.tax_ids) AND o.state = 'draft'
    ) THEN
        RAISE EXCEPTION 'tax % is used by a draft sales order', p_old.code
            USING ERRCODE = 'ZE005', HINT = 'Remove it from the draft orders'' lines first.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sales_tax_archive_check(uuid, erp.sales_taxes, erp.sales_taxes) IS
    'ZE005 when a line of a draft order uses the tax being archived.';
