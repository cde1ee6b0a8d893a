-- Time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, 12 bits of
-- sub-millisecond fraction (so ids created at least a microsecond apart sort in creation
-- order; within one microsecond the order is random), 62 random bits.
-- New ids land at the right edge of b-tree indexes instead of all over them.
CREATE OR REPLACE FUNCTION erp.uuid_v7() RETURNS uuid
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
AS $fn$
DECLARE
    v_ms numeric := EXTRACT(EPOCH FROM pg_catalog.clock_timestamp()) * 1000;
BEGIN
    RETURN (
        pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.floor(v_ms)::bigint), 12, '0')
        || '7'
        || pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.floor((v_ms - pg_catalog.floor(v_ms)) * 4096)::integer), 3, '0')
        || pg_catalog.substr(pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''), 17)
    )::uuid;
END
$fn$;
COMMENT ON FUNCTION erp.uuid_v7() IS 'A new time-ordered UUID (version 7).';
-- internal to the writers, although its name has no leading '_': granted to nobody
REVOKE ALL ON FUNCTION erp.uuid_v7() FROM PUBLIC;
