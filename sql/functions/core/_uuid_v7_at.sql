-- A time-ordered UUID (RFC 9562 version 7) for a given instant: 48 bits of Unix milliseconds,
-- the version, then the microseconds within the millisecond in the 12 bits RFC 9562 allows for
-- sub-millisecond precision (method 3), then 62 random bits (and the variant) of
-- gen_random_uuid(). Ids of one instant sort like their timestamps, to the microsecond: a
-- writer derives an event's id and created_at from one clock reading, so ordering events by id
-- is ordering them by time. A single expression (no FROM): inlined into the writers' statements.
CREATE OR REPLACE FUNCTION erp._uuid_v7_at(p_at timestamptz) RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $fn$
    SELECT (overlay(pg_catalog.lpad(pg_catalog.to_hex(floor(EXTRACT(EPOCH FROM p_at) * 1000)::bigint), 12, '0')
            PLACING '-' FROM 9 FOR 0)
        || '-7' || pg_catalog.lpad(pg_catalog.to_hex((floor(EXTRACT(EPOCH FROM p_at) * 1000000)::bigint % 1000) * 4096 / 1000), 3, '0')
        || '-' || pg_catalog.substr(pg_catalog.gen_random_uuid()::text, 20))::uuid
$fn$;
COMMENT ON FUNCTION erp._uuid_v7_at(timestamptz) IS
    'A UUIDv7 for an instant: milliseconds, then microseconds (12 bits), then random bits.';
