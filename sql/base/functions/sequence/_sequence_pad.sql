-- Zero-pads a number to a width; a wider number is kept whole, never truncated.
CREATE OR REPLACE FUNCTION erp._sequence_pad(p_value bigint, p_padding integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT CASE
        WHEN pg_catalog.length(p_value::text) >= p_padding THEN p_value::text
        ELSE pg_catalog.lpad(p_value::text, p_padding, '0')
    END
$fn$;
COMMENT ON FUNCTION erp._sequence_pad(bigint, integer) IS
    'Zero-padded number; wider numbers are not truncated (lpad would cut them).';
