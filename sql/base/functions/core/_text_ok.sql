-- true when erp._text_check(p_what, p_value, p_max, p_required) would accept p_value: one
-- inlined expression, so a valid value costs no function call; erp._text_check explains a
-- refusal. Not STRICT (a NULL value is fine when not required), so the planner inlines it.
-- The byte length comes first: a character is at most 4 bytes in UTF-8, so more than 4 *
-- p_max bytes is too long without looking at a character, and an oversize input is refused
-- before normalisation and case folding (seconds per MB) ever see it.
CREATE OR REPLACE FUNCTION erp._text_ok(p_value text, p_max integer, p_required boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN p_value IS NULL THEN NOT p_required
    WHEN pg_catalog.octet_length(p_value) > 4 * p_max THEN false
    ELSE pg_catalog.char_length(p_value) <= p_max AND erp._code_key(p_value) <> ''
        AND NOT erp._has_invisible(p_value)
END;
COMMENT ON FUNCTION erp._text_ok(text, integer, boolean) IS
    'Whether erp._text_check accepts a value (inlined fast path of the validators).';
