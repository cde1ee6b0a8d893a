-- true if the text contains a default-ignorable code point (Unicode 14.0 DerivedCoreProperties
-- Default_Ignorable_Code_Point, class written by scripts/gen_ignorable.py): characters that
-- display as nothing, beyond the format characters erp._has_invisible refuses everywhere:
-- variation selectors (U+FE0F, U+E0100), the combining grapheme joiner U+034F, Hangul fillers
-- (U+115F, U+3164), tags. "LOOK" followed by one of them displays as "LOOK", so codes refuse
-- them (erp._code_check); names may keep them (an emoji's variation selector is legitimate).
-- Listed by code point: the answer never depends on the locale or the regex library.
-- Only non-ASCII codes reach it (erp._code_ok tests ASCII first).
CREATE OR REPLACE FUNCTION erp._has_ignorable(p_text text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
BEGIN
    RETURN p_text ~ '[\u00AD\u034F\u061C\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]';
END
$fn$;
COMMENT ON FUNCTION erp._has_ignorable(text) IS
    'true if the text contains a Unicode 14.0 Default_Ignorable_Code_Point (displays as nothing: variation selectors, U+034F, Hangul fillers, tags, ...)';
