-- A delivered quantity in the order line's unit: as it is when the move was in that unit (the
-- bridge makes its moves so), else converted (rounded to the line's unit).
CREATE OR REPLACE FUNCTION erp._sales_inventory_line_qty(
    p_tenant_id uuid, p_qty numeric, p_from_uom_id uuid, p_line_uom_id uuid
) RETURNS numeric
LANGUAGE sql
STABLE
AS $fn$
    SELECT CASE WHEN p_from_uom_id = p_line_uom_id THEN p_qty
        ELSE erp.uom_convert(p_tenant_id, p_qty, p_from_uom_id, p_line_uom_id) END
$fn$;
COMMENT ON FUNCTION erp._sales_inventory_line_qty(uuid, numeric, uuid, uuid) IS
    'A move''s quantity in the sales order line''s unit (converted only when the units differ).';
