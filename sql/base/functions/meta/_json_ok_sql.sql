-- SQL that is true when the JSON value p_value may go into a column of this kind (a long test
-- over several lines; a long p_value, a key of a JSON object, puts the test of its JSON type
-- on a line of its own).
CREATE OR REPLACE FUNCTION erp_meta._json_ok_sql(
    p_kind text, p_value text, p_typmod integer, p_min numeric, p_max numeric
) RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT CASE p_kind
        WHEN 'uuid' THEN format('erp._json_uuid_ok(%s)', p_value)
        -- numeric(p, s) refuses what does not fit, as ZE003 rather than 22003
        WHEN 'numeric' THEN CASE WHEN p_typmod > 4 THEN format(
                E'CASE WHEN erp._json_numeric_ok(%1$s)\n'
                '    THEN coalesce(pg_catalog.abs((%1$s #>> ''{}'')::numeric) < 1e%2$s, true)\n'
                '    ELSE false END', p_value, ((p_typmod - 4) >> 16) - ((p_typmod - 4) & 65535))
            ELSE format('erp._json_numeric_ok(%s)', p_value) END
        WHEN 'int' THEN format(E'erp._json_int_ok(%s,\n    %s, %s)', p_value, p_min, p_max)
        WHEN 'date' THEN format('erp._json_date_ok(%s)', p_value)
        WHEN 'timestamptz' THEN format('erp._json_timestamp_ok(%s, true)', p_value)
        WHEN 'timestamp' THEN format('erp._json_timestamp_ok(%s, false)', p_value)
        WHEN 'jsonb' THEN 'true'
        ELSE format('pg_catalog.jsonb_typeof(%s)%sIN (%s)', p_value,
            CASE WHEN length(p_value) > 20 THEN E'\n    ' ELSE ' ' END,
            CASE p_kind WHEN 'text' THEN '''string'', ''null'''
                WHEN 'boolean' THEN '''boolean'', ''null'''
                ELSE '''string'', ''number'', ''boolean'', ''null''' END)
            -- varchar(n) refuses what does not fit, as ZE003 rather than 22001
            || CASE WHEN p_kind = 'text' AND p_typmod > 4 THEN format(
                E'\n    AND coalesce(pg_catalog.char_length(%s #>> ''{}'') <= %s, true)', p_value, p_typmod - 4)
                ELSE '' END
    END
$fn$;
COMMENT ON FUNCTION erp_meta._json_ok_sql(text, text, integer, numeric, numeric) IS
    'SQL checking that a JSON value fits a column kind (see erp_meta._columns).';
