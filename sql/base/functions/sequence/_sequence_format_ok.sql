-- Whether a format tells apart the periods of a reset policy: yearly needs a year token,
-- monthly a year token and {MM}; never needs nothing. (Tokens expand to fixed widths, so a
-- format that names the period cannot print one number of two periods the same way.)
CREATE OR REPLACE FUNCTION erp._sequence_format_ok(p_reset text, p_prefix text, p_suffix text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT CASE p_reset
        WHEN 'yearly' THEN (p_prefix || p_suffix) ~ '\{YY(YY)?\}'
        WHEN 'monthly' THEN (p_prefix || p_suffix) ~ '\{YY(YY)?\}' AND (p_prefix || p_suffix) LIKE '%{MM}%'
        ELSE true
    END
$fn$;
COMMENT ON FUNCTION erp._sequence_format_ok(text, text, text) IS
    'true when prefix and suffix name the period of the reset policy (year; year and month).';
