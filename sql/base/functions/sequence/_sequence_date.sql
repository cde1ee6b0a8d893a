-- The document date of an allocation or a peek: the caller's date, or today in the tenant's
-- time zone. Dates outside 0001-01-01 .. 9999-12-31 (infinity, BC) are refused: their
-- period key and date tokens would be empty or collide with real years.
CREATE OR REPLACE FUNCTION erp._sequence_date(p_date date, p_timezone text) RETURNS date
LANGUAGE plpgsql STABLE
AS $fn$
BEGIN
    IF p_date IS NULL THEN
        RETURN (pg_catalog.now() AT TIME ZONE p_timezone)::date;
    END IF;
    IF NOT p_date BETWEEN '0001-01-01'::date AND '9999-12-31'::date THEN
        RAISE EXCEPTION 'document date % is out of range', pg_catalog.to_char(p_date, 'YYYY-MM-DD BC')
            USING ERRCODE = 'ZE003',
            HINT = 'Pass a real date between 0001-01-01 and 9999-12-31, or NULL for today.';
    END IF;
    RETURN p_date;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_date(date, text) IS
    'Document date of a number: p_date (ZE003 unless 0001-01-01..9999-12-31) or today in p_timezone.';
