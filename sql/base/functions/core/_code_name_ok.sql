-- true when an entity's code and name pass erp._code_name_check (a code of at most 100
-- characters, a name of at most 500, both required): the inlined fast path of the validators.
CREATE OR REPLACE FUNCTION erp._code_name_ok(p_code text, p_name text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT erp._code_ok(p_code, 100, true) AND erp._text_ok(p_name, 500, true)
$fn$;
COMMENT ON FUNCTION erp._code_name_ok(text, text) IS
    'Whether erp._code_name_check accepts an entity''s code and name (inlined fast path).';
