-- Expands {YYYY} {YY} {MM} {DD} in a prefix or suffix from the document date.
-- STABLE, not IMMUTABLE: to_char is STABLE, and a SQL function declared more strictly than its
-- body is never inlined; called through the SQL-function executor it cost ~25 us per call on
-- the allocation path (re-planned per call), inlined it is almost free.
CREATE OR REPLACE FUNCTION erp._sequence_expand(p_text text, p_date date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(p_text,
        '{YYYY}', pg_catalog.to_char(p_date, 'YYYY')),
        '{YY}', pg_catalog.to_char(p_date, 'YY')),
        '{MM}', pg_catalog.to_char(p_date, 'MM')),
        '{DD}', pg_catalog.to_char(p_date, 'DD'))
$fn$;
COMMENT ON FUNCTION erp._sequence_expand(text, date) IS
    'Prefix/suffix with date tokens expanded.';
