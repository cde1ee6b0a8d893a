-- What a line given to a draft order must satisfy: its table's rules (the generated
-- erp._sales_order_line_check), then its references (erp._sales_line_references_check).
CREATE OR REPLACE FUNCTION erp._sales_line_check(p_tenant_id uuid, p_line erp.sales_order_lines) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    -- the table's own rules first (ZE003, value ranges before any arithmetic); with a NULL tenant
    -- the generated check leaves out the references, checked next: a new order's lines are
    -- checked before the order is written
    PERFORM erp._sales_order_line_check(NULL, ARRAY[p_line], false);
    PERFORM erp._sales_line_references_check(p_tenant_id, p_line);
END
$fn$;
COMMENT ON FUNCTION erp._sales_line_check(uuid, erp.sales_order_lines) IS
    'ZE003/ZE001 from the line''s constraints, ZE009 for an archived product, unit or tax or a unit '
    'of another category, ZE001 for a missing tax.';
