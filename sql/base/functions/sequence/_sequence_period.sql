-- The period a document date belongs to under a reset policy.
-- STABLE like to_char, so that it is inlined (see _sequence_expand.sql).
CREATE OR REPLACE FUNCTION erp._sequence_period(p_reset text, p_date date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT CASE p_reset
        WHEN 'yearly' THEN pg_catalog.to_char(p_date, 'YYYY')
        WHEN 'monthly' THEN pg_catalog.to_char(p_date, 'YYYY-MM')
        ELSE 'all'
    END
$fn$;
COMMENT ON FUNCTION erp._sequence_period(text, date) IS
    'Period key of a document date: all (never), YYYY (yearly) or YYYY-MM (monthly).';
