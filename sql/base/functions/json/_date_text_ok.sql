-- "YYYY-MM-DD" that is a real calendar day between 0001-01-01 and 9999-12-31 (the text
-- before a time part is checked the same way by erp._json_timestamp_ok).
CREATE OR REPLACE FUNCTION erp._date_text_ok(p_text text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT CASE
        WHEN p_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN false
        WHEN pg_catalog.substr(p_text, 1, 4)::integer < 1 OR pg_catalog.substr(p_text, 6, 2)::integer NOT BETWEEN 1 AND 12
            THEN false
        ELSE pg_catalog.substr(p_text, 9, 2)::integer BETWEEN 1 AND EXTRACT(DAY FROM
            pg_catalog.make_date(pg_catalog.substr(p_text, 1, 4)::integer, pg_catalog.substr(p_text, 6, 2)::integer, 1)
            + interval '1 month - 1 day')::integer
    END
$fn$;
COMMENT ON FUNCTION erp._date_text_ok(text) IS 'true for YYYY-MM-DD naming a real day of years 0001-9999.';
