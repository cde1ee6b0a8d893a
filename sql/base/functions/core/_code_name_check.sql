-- Validates the code and the name of an entity (a unit, a category, a partner, a product, a
-- sequence) as every one of them does: the code with erp._code_check (at most 100
-- characters), then the name with erp._text_check (at most 500), both required; ZE003 naming
-- p_code_field or p_name_field.
CREATE OR REPLACE FUNCTION erp._code_name_check(
    p_code_field text, p_code text, p_name_field text, p_name text
) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    PERFORM erp._code_check(p_code_field, p_code, 100, true);
    PERFORM erp._text_check(p_name_field, p_name, 500, true);
END
$fn$;
COMMENT ON FUNCTION erp._code_name_check(text, text, text, text) IS
    'ZE003 unless an entity''s code passes erp._code_check and its name erp._text_check.';
