-- A prefix or suffix as a regular expression: literal text escaped, each date token as the
-- digits it expands to ({YYYY} four, {YY} {MM} {DD} two).
CREATE OR REPLACE FUNCTION erp._sequence_pattern(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
        pg_catalog.regexp_replace(p_text, '([.^$*+?()\[\]{}|\\])', '\\\1', 'g'),
        '\{YYYY\}', '[0-9]{4}'), '\{YY\}', '[0-9]{2}'), '\{MM\}', '[0-9]{2}'), '\{DD\}', '[0-9]{2}')
$fn$;
COMMENT ON FUNCTION erp._sequence_pattern(text) IS
    'Prefix or suffix as an anchored-part regular expression (date tokens as digits).';
