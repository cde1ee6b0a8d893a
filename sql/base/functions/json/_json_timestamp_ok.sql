-- A JSON value a timestamp column accepts: null or ISO 8601 "YYYY-MM-DDTHH:MI[:SS[.ffffff]]",
-- with a UTC offset (Z or +hh[:mm]) exactly when p_with_zone: a timestamptz without an offset
-- would be read in the session's time zone, so it is refused.
CREATE OR REPLACE FUNCTION erp._json_timestamp_ok(p_value jsonb, p_with_zone boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT CASE
        WHEN pg_catalog.jsonb_typeof(p_value) = 'null' THEN true
        WHEN pg_catalog.jsonb_typeof(p_value) <> 'string' THEN false
        ELSE (p_value #>> '{}') ~ CASE WHEN p_with_zone
                THEN '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$'
                ELSE '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$' END
            AND erp._date_text_ok(pg_catalog.left(p_value #>> '{}', 10))
    END
$fn$;
COMMENT ON FUNCTION erp._json_timestamp_ok(jsonb, boolean) IS
    'JSON null or an ISO 8601 timestamp string (with a UTC offset when p_with_zone) of a real day.';
