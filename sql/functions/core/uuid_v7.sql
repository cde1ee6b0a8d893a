-- A new time-ordered UUID (version 7) for now (clock_timestamp): new ids land at the right
-- edge of b-tree indexes instead of all over them. See erp._uuid_v7_at.
CREATE OR REPLACE FUNCTION erp.uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $fn$
    SELECT erp._uuid_v7_at(pg_catalog.clock_timestamp())
$fn$;
COMMENT ON FUNCTION erp.uuid_v7() IS 'A new time-ordered UUID (version 7).';
-- internal to the writers, although its name has no leading '_': granted to nobody
REVOKE ALL ON FUNCTION erp.uuid_v7() FROM PUBLIC;
