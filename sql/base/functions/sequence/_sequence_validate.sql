-- Validation shared by sequence_create and sequence_update (ZE003 with the field named).
-- A format must tell apart the periods of its reset policy, or its numbers would repeat in the
-- next period ("NY-0001" in 2026 and again in 2027): yearly needs {YYYY} or {YY} in the prefix
-- or suffix, monthly a year token and {MM}.
CREATE OR REPLACE FUNCTION erp._sequence_validate(p_row erp.erp_sequences) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_text text;
BEGIN
    IF NOT erp._code_name_ok(p_row.code, p_row.name) THEN
        PERFORM erp._code_name_check('sequence code', p_row.code, 'sequence name', p_row.name);
    END IF;
    IF p_row.prefix IS NULL OR p_row.suffix IS NULL
        OR char_length(p_row.prefix) > 50 OR char_length(p_row.suffix) > 50
        OR erp._has_invisible(p_row.prefix) OR erp._has_invisible(p_row.suffix) THEN
        RAISE EXCEPTION 'prefix and suffix are text of at most 50 visible characters (may be empty)'
            USING ERRCODE = 'ZE003';
    END IF;
    -- once expanded (by the very function numbering uses) no brace may remain: '{YYY}' is a
    -- typo, not text. Each part on its own: '{Y' + 'Y}' is not '{YY}', and '{M{YY}M}' must
    -- not pass because removing '{YY}' would leave '{MM}'.
    FOREACH v_text IN ARRAY ARRAY[p_row.prefix, p_row.suffix] LOOP
        IF erp._sequence_expand(v_text, '2000-01-01'::date) ~ '[{}]' THEN
            RAISE EXCEPTION 'unknown token in prefix/suffix %', erp._clip(v_text, 50)
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
        RAISE EXCEPTION 'unknown reset policy %', erp._clip(p_row.reset, 20)
            USING ERRCODE = 'ZE003', HINT = 'reset is never, yearly or monthly.';
    END IF;
    IF NOT erp._sequence_format_ok(p_row.reset, p_row.prefix, p_row.suffix) THEN
        RAISE EXCEPTION 'a % sequence needs % in its prefix or suffix, or its numbers repeat every period',
            p_row.reset, CASE p_row.reset WHEN 'yearly' THEN '{YYYY} or {YY}' ELSE '{YYYY} or {YY}, and {MM},' END
            USING ERRCODE = 'ZE003',
            HINT = 'For example prefix ''INV/{YYYY}/'' (yearly) or ''JE/{YYYY}-{MM}/'' (monthly).';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_validate(erp.erp_sequences) IS
    'ZE003 unless a sequence definition is valid (including a format that tells its periods apart).';
