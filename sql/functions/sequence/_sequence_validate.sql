-- Validation shared by sequence_create and sequence_update (ZE003 with the field named).
CREATE OR REPLACE FUNCTION erp._sequence_validate(p_row erp.erp_sequences) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_tokens text;
BEGIN
    IF p_row.code IS NULL OR erp._code_key(p_row.code) = '' THEN
        RAISE EXCEPTION 'sequence code is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.name IS NULL OR btrim(p_row.name) = '' THEN
        RAISE EXCEPTION 'sequence name is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.prefix IS NULL OR p_row.suffix IS NULL
        OR length(p_row.prefix) > 50 OR length(p_row.suffix) > 50 THEN
        RAISE EXCEPTION 'prefix and suffix are text of at most 50 characters (may be empty)'
            USING ERRCODE = 'ZE003';
    END IF;
    -- after removing the known tokens no brace may remain: '{YYY}' is a typo, not text
    v_tokens := replace(replace(replace(replace(p_row.prefix || p_row.suffix,
        '{YYYY}', ''), '{YY}', ''), '{MM}', ''), '{DD}', '');
    IF v_tokens ~ '[{}]' THEN
        RAISE EXCEPTION 'unknown token in prefix/suffix %', quote_literal(p_row.prefix || p_row.suffix)
            USING ERRCODE = 'ZE003', HINT = 'Tokens are {YYYY}, {YY}, {MM} and {DD}.';
    END IF;
    IF p_row.padding IS NULL OR p_row.padding NOT BETWEEN 0 AND 30 THEN
        RAISE EXCEPTION 'padding must be between 0 and 30, not %', coalesce(p_row.padding::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.step IS NULL OR p_row.step < 1 THEN
        RAISE EXCEPTION 'step must be at least 1, not %', coalesce(p_row.step::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.start_value IS NULL OR p_row.start_value < 0 THEN
        RAISE EXCEPTION 'start value must be 0 or more, not %', coalesce(p_row.start_value::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.reset IS NULL OR p_row.reset NOT IN ('never', 'yearly', 'monthly') THEN
        RAISE EXCEPTION 'unknown reset policy %', coalesce(quote_literal(p_row.reset), 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'reset is never, yearly or monthly.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_validate(erp.erp_sequences) IS
    'ZE003 unless a sequence definition is valid.';
