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
        -- the first one, for the DETAIL (same class as erp._has_ignorable)
        v_char := pg_catalog.substring(p_value, '[\u00AD\u034F\u061C\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]');
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
