-- Expands {YYYY} {YY} {MM} {DD} in a prefix or suffix from the document date.
CREATE OR REPLACE FUNCTION erp._sequence_expand(p_text text, p_date date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(p_text,
        '{YYYY}', pg_catalog.to_char(p_date, 'YYYY')),
        '{YY}', pg_catalog.to_char(p_date, 'YY')),
        '{MM}', pg_catalog.to_char(p_date, 'MM')),
        '{DD}', pg_catalog.to_char(p_date, 'DD'))
$fn$;
COMMENT ON FUNCTION erp._sequence_expand(text, date) IS
    'Prefix/suffix with date tokens expanded.';
