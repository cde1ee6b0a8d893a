-- Codes refuse characters that display as nothing: Unicode 14.0 Default_Ignorable_Code_Point
-- (variation selectors, the combining grapheme joiner, Hangul fillers, tags, ...), which
-- erp._has_invisible (Cc, Cf, Zl, Zp) lets through. The validators refuse them with a named
-- field (erp._code_check); these constraints hold the same line for every other writer (the
-- generated generic writers check a table's constraints first and name the field). Keys are
-- unchanged: erp._code_key is not touched, only what may be written.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '30min';
SET LOCAL ROLE erp_owner;

-- The class was written by scripts/gen_ignorable.py (Unicode 14.0, the version of the pinned
-- case folding); listed by code point, so the answer never depends on the locale or the regex
-- library. PL/pgSQL, not inlined: only non-ASCII text reaches it (erp._has_ignorable).
CREATE FUNCTION erp._has_ignorable_unicode(p_text text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
BEGIN
    RETURN p_text ~ '[\u00AD\u034F\u061C\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]';
END
$fn$;
COMMENT ON FUNCTION erp._has_ignorable_unicode(text) IS
    'erp._has_ignorable for any text: the Unicode 14.0 Default_Ignorable_Code_Point table';

-- not STRICT: a strict SQL function with a CASE is never inlined (check constraints inline it)
CREATE FUNCTION erp._has_ignorable(p_text text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN pg_catalog.octet_length(p_text) = pg_catalog.char_length(p_text) THEN false
    ELSE erp._has_ignorable_unicode(p_text)
END;
COMMENT ON FUNCTION erp._has_ignorable(text) IS
    'true if the text contains a Unicode 14.0 Default_Ignorable_Code_Point (displays as nothing: '
    'variation selectors, U+034F, Hangul fillers, tags, ...); codes refuse them';

-- NOT VALID: rows written before are checked when they are next written. The expression is
-- written out rather than calling erp._has_ignorable: a constraint is prepared again by every
-- INSERT or UPDATE statement, and inlining an SQL function there costs ~15 µs a column; ASCII
-- (almost every code) needs only the length comparison.
ALTER TABLE erp.erp_uom_categories ADD CONSTRAINT erp_uom_categories_code_ignorable_check
CHECK (octet_length(code) = char_length(code) OR NOT erp._has_ignorable_unicode(code)) NOT VALID;
ALTER TABLE erp.erp_uoms ADD CONSTRAINT erp_uoms_code_ignorable_check
CHECK (octet_length(code) = char_length(code) OR NOT erp._has_ignorable_unicode(code)) NOT VALID;
ALTER TABLE erp.erp_partners ADD CONSTRAINT erp_partners_code_ignorable_check
CHECK (octet_length(code) = char_length(code) OR NOT erp._has_ignorable_unicode(code)) NOT VALID;
ALTER TABLE erp.erp_partners ADD CONSTRAINT erp_partners_tax_id_ignorable_check
CHECK (octet_length(tax_id) = char_length(tax_id) OR NOT erp._has_ignorable_unicode(tax_id)) NOT VALID;
ALTER TABLE erp.erp_products ADD CONSTRAINT erp_products_sku_ignorable_check
CHECK (octet_length(sku) = char_length(sku) OR NOT erp._has_ignorable_unicode(sku)) NOT VALID;
ALTER TABLE erp.erp_products ADD CONSTRAINT erp_products_barcode_ignorable_check
CHECK (octet_length(barcode) = char_length(barcode) OR NOT erp._has_ignorable_unicode(barcode)) NOT VALID;
ALTER TABLE erp.erp_sequences ADD CONSTRAINT erp_sequences_code_ignorable_check
CHECK (octet_length(code) = char_length(code) OR NOT erp._has_ignorable_unicode(code)) NOT VALID;

INSERT INTO erp_meta.constraint_fields (table_name, constraint_name, field) VALUES
('erp_uom_categories', 'erp_uom_categories_code_ignorable_check', 'code'),
('erp_uoms', 'erp_uoms_code_ignorable_check', 'code'),
('erp_partners', 'erp_partners_code_ignorable_check', 'code'),
('erp_partners', 'erp_partners_tax_id_ignorable_check', 'tax_id'),
('erp_products', 'erp_products_sku_ignorable_check', 'sku'),
('erp_products', 'erp_products_barcode_ignorable_check', 'barcode'),
('erp_sequences', 'erp_sequences_code_ignorable_check', 'code');
