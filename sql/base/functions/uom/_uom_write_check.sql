-- The write check of a unit of measure (erp_meta.entity_types.write_check), called by the
-- generated erp.uom_update (erp.uom_create stays hand-written: it takes a category code). A
-- patch may change code, name, uom_type, factor and rounding (category_id is fixed); the
-- active reference unit of a category stays its reference unit (ZE009), and a reference unit
-- has factor 1.
CREATE OR REPLACE FUNCTION erp._uom_write_check(
    p_tenant_id uuid, p_old erp.erp_uoms, p_new erp.erp_uoms
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM erp._uom_validate(p_new);
    PERFORM erp._uom_reference_check(p_tenant_id, p_old, p_new);
END
$fn$;
COMMENT ON FUNCTION erp._uom_write_check(uuid, erp.erp_uoms, erp.erp_uoms) IS
    'Checks a unit of measure before it is written (limits, the reference rule of its category).';
