-- Time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then random bits
-- (version 4 bits of gen_random_uuid() turned into 7). New ids land at the right edge of
-- b-tree indexes instead of all over them. Ids of the same millisecond are in random order:
-- event order is (created_at, id), where created_at has microseconds.
-- A single SQL expression, so the planner inlines it into the writers' statements.
CREATE OR REPLACE FUNCTION erp.uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.encode(
        pg_catalog.set_bit(
            pg_catalog.set_bit(
                overlay(
                    pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                    PLACING substring(
                        pg_catalog.int8send(
                            pg_catalog.floor(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp()) * 1000)::bigint
                        ) FROM 3
                    )
                    FROM 1 FOR 6
                ),
                52, 1
            ),
            53, 1
        ),
        'hex'
    )::uuid
$fn$;
COMMENT ON FUNCTION erp.uuid_v7() IS 'A new time-ordered UUID (version 7).';
-- internal to the writers, although its name has no leading '_': granted to nobody
REVOKE ALL ON FUNCTION erp.uuid_v7() FROM PUBLIC;
