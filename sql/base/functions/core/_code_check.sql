-- Validates a code (a unit, partner or sequence code, a SKU, a barcode, a tax id: values that
-- are unique per tenant by erp._code_key) like erp._text_check does a name, and refuses
-- default-ignorable characters (erp._has_ignorable): "LOOK" followed by a variation selector
-- or a combining grapheme joiner displays as "LOOK" but would be a second, different code.
-- ZE003 naming p_what; the message quotes at most 40 characters, the DETAIL the code point.
CREATE OR REPLACE FUNCTION erp._code_check(p_what text, p_value text, p_max integer, p_required boolean)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_char text;
BEGIN
    PERFORM erp._text_check(p_what, p_value, p_max, p_required);
    IF p_value IS NOT NULL AND erp._has_ignorable(p_value) THEN
        -- the first one, for the DETAIL (a refused value has at most p_max characters)
        v_char := (SELECT c.ch FROM pg_catalog.regexp_split_to_table(p_value, '') WITH ORDINALITY AS c (ch, n)
            WHERE erp._has_ignorable(c.ch) ORDER BY c.n LIMIT 1);
        RAISE EXCEPTION '% contains characters that display as nothing: %', p_what, erp._clip(p_value, 40)
            USING ERRCODE = 'ZE003',
            DETAIL = pg_catalog.format('U+%s at character %s',
                pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.ascii(v_char)),
                    GREATEST(4, pg_catalog.length(pg_catalog.to_hex(pg_catalog.ascii(v_char)))), '0')),
                pg_catalog.strpos(p_value, v_char)),
            HINT = 'Variation selectors, the combining grapheme joiner, Hangul fillers, tag characters and other '
                'characters that display as nothing are not allowed in codes.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._code_check(text, text, integer, boolean) IS
    'ZE003 unless a code passes erp._text_check and holds no default-ignorable (invisible) character.';
