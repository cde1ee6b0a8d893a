-- A time-ordered UUID (RFC 9562 version 7) for a given instant: 48 bits of Unix milliseconds,
-- the version, then the microseconds within the millisecond in the 12 bits RFC 9562 allows for
-- sub-millisecond precision (method 3), then 62 random bits (and the variant) of
-- gen_random_uuid(). Ids of one instant sort like their timestamps, to the microsecond: a
-- writer derives an event's id and created_at from one clock reading, so ordering events by id
-- is ordering them by time. A single expression (no FROM) built from bytes: inlined into the
-- writers' statements wherever its argument is not volatile (see erp.uuid_v7).
CREATE OR REPLACE FUNCTION erp._uuid_v7_at(p_at timestamptz) RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.encode(
        pg_catalog.substr(pg_catalog.int8send(pg_catalog.floor(EXTRACT(EPOCH FROM p_at) * 1000)::bigint), 3)
        || pg_catalog.int2send((28672 + (EXTRACT(EPOCH FROM p_at) * 1000000)::bigint % 1000 * 4096 / 1000)::smallint)
        || pg_catalog.substr(pg_catalog.uuid_send(pg_catalog.gen_random_uuid()), 9),
        'hex')::uuid
$fn$;
COMMENT ON FUNCTION erp._uuid_v7_at(timestamptz) IS
    'A UUIDv7 for an instant: milliseconds, then microseconds (12 bits), then random bits.';
REVOKE ALL ON FUNCTION erp._uuid_v7_at(timestamptz) FROM PUBLIC;
