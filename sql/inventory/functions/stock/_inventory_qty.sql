-- A quantity given in JSON: a number (or a decimal string) from 0 up to 1e15 with at most 12
-- decimals; ZE003 naming p_what otherwise. p_positive refuses 0 as well.
CREATE OR REPLACE FUNCTION erp._inventory_qty(p_value jsonb, p_what text, p_positive boolean) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_qty numeric;
BEGIN
    IF p_value IS NULL OR pg_catalog.jsonb_typeof(p_value) = 'null' OR NOT erp._json_numeric_ok(p_value)
        OR pg_catalog.octet_length(p_value::text) > 40 THEN
        RAISE EXCEPTION '% must be a number, not %', p_what, erp._clip(coalesce(p_value::text, 'NULL'), 40)
            USING ERRCODE = 'ZE003';
    END IF;
    v_qty := (p_value #>> '{}')::numeric;
    IF v_qty < 0 OR (p_positive AND v_qty = 0) OR v_qty >= 1e15 OR pg_catalog.scale(v_qty) > 12 THEN
        RAISE EXCEPTION '% must be % and below 1e15 with at most 12 decimals, not %', p_what,
            CASE WHEN p_positive THEN 'above 0' ELSE '0 or more' END, erp._clip(v_qty::text, 40)
            USING ERRCODE = 'ZE003';
    END IF;
    RETURN v_qty;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_qty(jsonb, text, boolean) IS
    'A JSON quantity as numeric (ZE003 unless 0 <= q < 1e15, at most 12 decimals).';
