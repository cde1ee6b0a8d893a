-- Converts p_qty from one unit to another of the same category (ZE009 across categories) and
-- rounds the result to the target unit's rounding step:
--   HALF-UP  to the nearest step, halves away from zero (default)
--   UP       to the next step away from zero (the ceiling for positive quantities)
--   DOWN     to the next step toward zero (the floor for positive quantities)
-- One reference unit is worth factor units of a smaller unit and 1/factor of a bigger unit;
-- the exact ratio is built from both factors and divided once, so chains of units lose nothing.
-- Archived units still convert (old documents keep their units). NULL p_qty gives NULL.
CREATE OR REPLACE FUNCTION erp.uom_convert(
    p_tenant_id uuid,
    p_qty numeric,
    p_from_uom_id uuid,
    p_to_uom_id uuid,
    p_rounding_method text DEFAULT 'HALF-UP'
) RETURNS numeric
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_from erp.erp_uoms;
    v_to erp.erp_uoms;
    v_steps numeric;
BEGIN
    IF p_rounding_method IS NULL OR p_rounding_method NOT IN ('HALF-UP', 'UP', 'DOWN') THEN
        RAISE EXCEPTION 'unknown rounding method %', erp._clip(p_rounding_method, 20)
            USING ERRCODE = 'ZE003', HINT = 'p_rounding_method is HALF-UP, UP or DOWN.';
    END IF;
    SELECT u.* INTO v_from FROM erp.erp_uoms AS u WHERE u.tenant_id = p_tenant_id AND u.id = p_from_uom_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unit % not found in this tenant', coalesce(p_from_uom_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    SELECT u.* INTO v_to FROM erp.erp_uoms AS u WHERE u.tenant_id = p_tenant_id AND u.id = p_to_uom_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unit % not found in this tenant', coalesce(p_to_uom_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    IF v_from.category_id <> v_to.category_id THEN
        RAISE EXCEPTION 'cannot convert % to %: the units belong to different categories',
            v_from.code, v_to.code
            USING ERRCODE = 'ZE009', HINT = 'Conversion works only between units of one category.';
    END IF;
    IF p_qty IS NULL THEN
        RETURN NULL;
    END IF;
    IF NOT (p_qty > -1e15 AND p_qty < 1e15) OR scale(p_qty) > 12 THEN
        RAISE EXCEPTION 'quantity must be a number between -1e15 and 1e15 with at most 12 decimals, not %',
            erp._clip(p_qty::text, 30) USING ERRCODE = 'ZE003';
    END IF;
    -- factors are bounded since 0.2.0; a unit written before may still carry an unbounded one
    IF NOT (v_from.factor BETWEEN 1e-12 AND 1e12 AND v_to.factor BETWEEN 1e-12 AND 1e12
        AND v_to.rounding BETWEEN 1e-12 AND 1e12) THEN
        RAISE EXCEPTION 'unit % or % has a factor or rounding outside 1e-12 .. 1e12', v_from.code, v_to.code
            USING ERRCODE = 'ZE003', HINT = 'Correct the unit with erp.uom_update.';
    END IF;
    -- target steps = qty * (from in reference) / (to in reference) / rounding, one division
    v_steps := p_qty
        * CASE v_from.uom_type WHEN 'bigger' THEN v_from.factor ELSE 1 END
        * CASE v_to.uom_type WHEN 'smaller' THEN v_to.factor ELSE 1 END
        / (CASE v_from.uom_type WHEN 'smaller' THEN v_from.factor ELSE 1 END
            * CASE v_to.uom_type WHEN 'bigger' THEN v_to.factor ELSE 1 END
            * v_to.rounding);
    RETURN CASE p_rounding_method
        WHEN 'HALF-UP' THEN round(v_steps)
        WHEN 'UP' THEN sign(v_steps) * ceil(abs(v_steps))
        ELSE trunc(v_steps)
    END * v_to.rounding;
END
$fn$;
COMMENT ON FUNCTION erp.uom_convert(uuid, numeric, uuid, uuid, text) IS
    'Converts a quantity between units of one category, rounded to the target unit (HALF-UP, UP, DOWN).';
REVOKE ALL ON FUNCTION erp.uom_convert(uuid, numeric, uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_convert(uuid, numeric, uuid, uuid, text) TO erp_app, erp_admin;
