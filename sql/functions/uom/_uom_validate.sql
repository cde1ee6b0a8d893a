-- Validation shared by uom_create and uom_update (ZE003 with the field named).
CREATE OR REPLACE FUNCTION erp._uom_validate(p_row erp.erp_uoms) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_row.code IS NULL OR erp._code_key(p_row.code) = '' THEN
        RAISE EXCEPTION 'unit code is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.name IS NULL OR btrim(p_row.name) = '' THEN
        RAISE EXCEPTION 'unit name is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.uom_type IS NULL OR p_row.uom_type NOT IN ('reference', 'bigger', 'smaller') THEN
        RAISE EXCEPTION 'unknown unit type %', coalesce(quote_literal(p_row.uom_type), 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'uom_type is reference, bigger or smaller.';
    END IF;
    -- numeric NaN compares greater than Infinity, so this also rejects NaN
    IF p_row.factor IS NULL OR NOT (p_row.factor > 0 AND p_row.factor < 'Infinity') THEN
        RAISE EXCEPTION 'unit factor must be a finite number greater than 0, not %',
            coalesce(p_row.factor::text, 'NULL')
            USING ERRCODE = 'ZE003',
            HINT = 'bigger: reference units in one unit (t: 1000); smaller: units in one reference unit (g: 1000).';
    END IF;
    IF p_row.rounding IS NULL OR NOT (p_row.rounding > 0 AND p_row.rounding < 'Infinity') THEN
        RAISE EXCEPTION 'unit rounding must be a finite number greater than 0, not %',
            coalesce(p_row.rounding::text, 'NULL')
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
