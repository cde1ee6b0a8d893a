-- Input quoted for an error message, cut to p_max characters: messages stay short whatever
-- the input size (a 10 MB code must not make a 10 MB error in the server log).
CREATE OR REPLACE FUNCTION erp._clip(p_text text, p_max integer DEFAULT 60) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT CASE
        WHEN p_text IS NULL THEN 'NULL'
        WHEN pg_catalog.char_length(p_text) <= p_max THEN pg_catalog.quote_literal(p_text)
        ELSE pg_catalog.quote_literal(pg_catalog.left(p_text, p_max)) || pg_catalog.format('... (%s characters)',
            pg_catalog.char_length(p_text))
    END
$fn$;
COMMENT ON FUNCTION erp._clip(text, integer) IS
    'Quoted text for an error message, at most p_max characters of it (and its length if cut).';
