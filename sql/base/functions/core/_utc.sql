-- The canonical text of a timestamp: UTC, ISO 8601, microseconds ("2026-11-29T19:21:27.123456Z").
-- Snapshots, changes and the canonical event form use it, so nothing written depends on the
-- writer's TimeZone or DateStyle. A single expression: inlined into the statements using it.
CREATE OR REPLACE FUNCTION erp._utc(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$fn$;
COMMENT ON FUNCTION erp._utc(timestamptz) IS
    'Canonical text of a timestamp: UTC ISO 8601 with microseconds and Z.';
