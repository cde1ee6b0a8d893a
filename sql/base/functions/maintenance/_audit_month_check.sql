-- A month argument of the retention functions: any day of it is accepted and the month's first
-- day returned; NULL and dates outside the range of event ids are ZE003.
CREATE OR REPLACE FUNCTION erp._audit_month_check(p_month date) RETURNS date
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_month IS NULL OR NOT p_month BETWEEN '1970-01-01' AND '9999-12-31' THEN
        RAISE EXCEPTION 'p_month must be a date between 1970-01-01 and 9999-12-31, not %',
            coalesce(p_month::text, 'NULL') USING ERRCODE = 'ZE003';
    END IF;
    RETURN date_trunc('month', p_month)::date;
END
$fn$;
COMMENT ON FUNCTION erp._audit_month_check(date) IS
    'The first day of the month of p_month (ZE003 for NULL or out of range).';
