-- Validation shared by inventory_location_create and _update (ZE003 with the field named).
CREATE OR REPLACE FUNCTION erp._inventory_location_validate(p_row erp.inventory_locations) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF NOT erp._code_ok(p_row.code, 100, true) THEN
        PERFORM erp._code_check('location code', p_row.code, 100, true);
    END IF;
    IF NOT erp._text_ok(p_row.name, 500, true) THEN
        PERFORM erp._text_check('location name', p_row.name, 500, true);
    END IF;
    IF p_row.usage IS NULL OR p_row.usage NOT IN ('internal', 'view', 'supplier', 'customer', 'inventory', 'transit') THEN
        RAISE EXCEPTION 'unknown location usage %', erp._clip(p_row.usage, 20)
            USING ERRCODE = 'ZE003',
            HINT = 'usage is internal, view, supplier, customer, inventory or transit.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_location_validate(erp.inventory_locations) IS
    'ZE003 unless a stock location''s code, name and usage are valid.';
