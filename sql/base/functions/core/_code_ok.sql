-- true when erp._code_check(p_what, p_value, p_max, p_required) would accept p_value: the
-- checks of erp._text_ok and no default-ignorable character (erp._has_ignorable: ASCII needs
-- no look). One inlined expression (a quoted body: erp._text_ok is defined by a file after
-- this one); erp._code_check explains a refusal.
CREATE OR REPLACE FUNCTION erp._code_ok(p_value text, p_max integer, p_required boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT CASE
        WHEN NOT erp._text_ok(p_value, p_max, p_required) THEN false
        WHEN p_value IS NULL THEN true
        ELSE NOT erp._has_ignorable(p_value)
    END
$fn$;
COMMENT ON FUNCTION erp._code_ok(text, integer, boolean) IS
    'Whether erp._code_check accepts a code (inlined fast path of the validators).';
