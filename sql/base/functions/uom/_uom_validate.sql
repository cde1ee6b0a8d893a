-- Validation shared by uom_create and uom_update (ZE003 with the field named). Factors and
-- rounding steps are finite, between 1e-12 and 1e12, with at most 12 decimals: bounded, so a
-- conversion never overflows.
CREATE OR REPLACE FUNCTION erp._uom_validate(p_row erp.erp_uoms) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF NOT erp._code_name_ok(p_row.code, p_row.name) THEN
        PERFORM erp._code_name_check('unit code', p_row.code, 'unit name', p_row.name);
    END IF;
    IF p_row.uom_type IS NULL OR p_row.uom_type NOT IN ('reference', 'bigger', 'smaller') THEN
        RAISE EXCEPTION 'unknown unit type %', erp._clip(p_row.uom_type, 20)
            USING ERRCODE = 'ZE003', HINT = 'uom_type is reference, bigger or smaller.';
    END IF;
    -- NaN sorts above every number, so the upper bound also refuses it
    IF p_row.factor IS NULL OR NOT (p_row.factor BETWEEN 1e-12 AND 1e12) OR scale(p_row.factor) > 12 THEN
        RAISE EXCEPTION 'unit factor must be a number between 1e-12 and 1e12 with at most 12 decimals, not %',
            erp._clip(p_row.factor::text, 30)
            USING ERRCODE = 'ZE003',
            HINT = 'bigger: reference units in one unit (t: 1000); smaller: units in one reference unit (g: 1000).';
    END IF;
    IF p_row.rounding IS NULL OR NOT (p_row.rounding BETWEEN 1e-12 AND 1e12) OR scale(p_row.rounding) > 12 THEN
        RAISE EXCEPTION 'unit rounding must be a number between 1e-12 and 1e12 with at most 12 decimals, not %',
            erp._clip(p_row.rounding::text, 30)
            USING ERRCODE = 'ZE003', HINT = 'The rounding step of quantities, e.g. 0.01 or 1.';
    END IF;
    IF p_row.uom_type = 'reference' AND p_row.factor <> 1 THEN
        RAISE EXCEPTION 'a reference unit has factor 1, not %', p_row.factor
            USING ERRCODE = 'ZE003',
            HINT = 'Factors of the other units are relative to the reference unit; use bigger or smaller.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._uom_validate(erp.erp_uoms) IS 'ZE003 unless a unit of measure is valid.';
