-- Validates a code or a name typed by a person (ZE003 naming p_what): present when required
-- (not empty once trimmed and normalised), at most p_max characters (checked first, on the
-- bytes, so an oversize value costs no normalisation), and free of control and
-- invisible characters (erp._has_invisible: a zero-width joiner or a BOM must not make "ACME"
-- a second, different code). Messages quote at most 40 characters of the input.
CREATE OR REPLACE FUNCTION erp._text_check(p_what text, p_value text, p_max integer, p_required boolean)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    -- the length first, bytes before characters (at most 4 bytes each): an oversize value
    -- never reaches normalisation and case folding, which cost seconds per MB
    IF p_value IS NOT NULL AND (octet_length(p_value) > 4 * p_max OR char_length(p_value) > p_max) THEN
        RAISE EXCEPTION '% is longer than % characters: %', p_what, p_max, erp._clip(p_value, 40)
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_value IS NULL OR erp._code_key(p_value) = '' THEN
        IF p_required THEN
            RAISE EXCEPTION '% is empty', p_what USING ERRCODE = 'ZE003';
        ELSIF p_value IS NOT NULL THEN
            RAISE EXCEPTION '% is empty', p_what USING ERRCODE = 'ZE003', HINT = 'Pass NULL for none.';
        END IF;
        RETURN;
    END IF;
    IF erp._has_invisible(p_value) THEN
        RAISE EXCEPTION '% contains control or invisible characters: %', p_what, erp._clip(p_value, 40)
            USING ERRCODE = 'ZE003',
            HINT = 'Tabs, line breaks, zero-width characters, soft hyphens, byte order marks and bidi marks are not allowed.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._text_check(text, text, integer, boolean) IS
    'ZE003 unless a code or name is present (if required), at most p_max characters and without invisible characters.';
