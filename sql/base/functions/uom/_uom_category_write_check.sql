-- The write check of a unit-of-measure category (erp_meta.entity_types.write_check), called by
-- the generated erp.uom_category_create: a code and a name within the limits. Categories are
-- fixed once created: units are added to them with erp.uom_create, and a unit never changes
-- category. It has the signature of every write check, of which it needs only the new row.
CREATE OR REPLACE FUNCTION erp._uom_category_write_check(
    p_tenant_id uuid, p_old erp.erp_uom_categories, p_new erp.erp_uom_categories
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    -- the signature of every write check, of which a category needs only the new row
    -- @plpgsql_check_options: extra_warnings = false, performance_warnings = false
    IF NOT erp._code_name_ok(p_new.code, p_new.name) THEN
        PERFORM erp._code_name_check('unit category code', p_new.code, 'unit category name', p_new.name);
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._uom_category_write_check(uuid, erp.erp_uom_categories, erp.erp_uom_categories) IS
    'Checks a unit-of-measure category before it is written (code and name within the limits).';
