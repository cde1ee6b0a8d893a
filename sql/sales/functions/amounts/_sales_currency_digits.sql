-- The minor unit of an ISO 4217 currency (ZE003 for a code that is not one).
CREATE OR REPLACE FUNCTION erp._sales_currency_digits(p_currency text) RETURNS integer
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_digits integer;
BEGIN
    SELECT c.minor_unit INTO v_digits FROM erp_meta.sales_currencies AS c WHERE c.code = p_currency;
    IF v_digits IS NULL THEN
        RAISE EXCEPTION 'unknown currency %', coalesce(erp._clip(p_currency, 20), 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'Use an ISO 4217 code in capitals, e.g. EUR, USD, JPY.';
    END IF;
    RETURN v_digits;
END
$fn$;
COMMENT ON FUNCTION erp._sales_currency_digits(text) IS
    'The minor unit (decimals) of an ISO 4217 currency; ZE003 when unknown.';
