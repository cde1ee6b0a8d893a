-- Validation shared by sequence_create and sequence_update (ZE003 with the field named).
CREATE OR REPLACE FUNCTION erp._sequence_validate(p_row erp.erp_sequences) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_text text;
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
    -- once expanded (by the very function numbering uses) no brace may remain: '{YYY}' is a
    -- typo, not text. Each part on its own: '{Y' + 'Y}' is not '{YY}', and '{M{YY}M}' must
    -- not pass because removing '{YY}' would leave '{MM}'.
    FOREACH v_text IN ARRAY ARRAY[p_row.prefix, p_row.suffix] LOOP
        IF erp._sequence_expand(v_text, '2000-01-01'::date) ~ '[{}]' THEN
            RAISE EXCEPTION 'unknown token in prefix/suffix %', quote_literal(v_text)
                USING ERRCODE = 'ZE003', HINT = 'Tokens are {YYYY}, {YY}, {MM} and {DD}.';
        END IF;
    END LOOP;
    IF p_row.padding IS NULL OR p_row.padding NOT BETWEEN 0 AND 30 THEN
        RAISE EXCEPTION 'padding must be between 0 and 30, not %', coalesce(p_row.padding::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    -- the bounds keep every counter far from bigint overflow (a batch moves by 10000 * step)
    IF p_row.step IS NULL OR p_row.step NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION 'step must be between 1 and 1000000, not %', coalesce(p_row.step::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.start_value IS NULL OR p_row.start_value NOT BETWEEN 0 AND 999999999999999 THEN
        RAISE EXCEPTION 'start value must be between 0 and 999999999999999, not %',
            coalesce(p_row.start_value::text, 'NULL')
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
