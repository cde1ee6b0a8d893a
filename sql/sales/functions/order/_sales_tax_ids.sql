-- A line's tax_ids from JSON: an array of at most 20 uuid strings (JSON null: none); ZE003
-- otherwise. The generated conversions know no arrays.
CREATE OR REPLACE FUNCTION erp._sales_tax_ids(p_value jsonb) RETURNS uuid[]
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_value IS NULL OR pg_catalog.jsonb_typeof(p_value) = 'null' THEN
        RETURN '{}'::uuid [];
    END IF;
    IF pg_catalog.jsonb_typeof(p_value) <> 'array' OR pg_catalog.jsonb_array_length(p_value) > 20
        OR EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(p_value) AS t (v)
            WHERE pg_catalog.jsonb_typeof(t.v) <> 'string' OR NOT erp._json_uuid_ok(t.v)) THEN
        RAISE EXCEPTION 'tax_ids must be an array of at most 20 tax ids' USING ERRCODE = 'ZE003';
    END IF;
    RETURN ARRAY(SELECT t.v::uuid FROM pg_catalog.jsonb_array_elements_text(p_value) AS t (v));
END
$fn$;
COMMENT ON FUNCTION erp._sales_tax_ids(jsonb) IS
    'A line''s tax ids from a JSON array of uuid strings (ZE003 otherwise).';
