-- {"field": {"old": ..., "new": ...}} for the fields whose value differs; bookkeeping
-- columns (version, updated_at) are not changes of their own.
CREATE OR REPLACE FUNCTION erp._jsonb_changes(p_old jsonb, p_new jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
BEGIN
    RETURN (SELECT coalesce(
        pg_catalog.jsonb_object_agg(n.key, pg_catalog.jsonb_build_object('old', o.value, 'new', n.value)),
        '{}'::jsonb
    )
    FROM pg_catalog.jsonb_each(p_new) AS n
    LEFT JOIN pg_catalog.jsonb_each(p_old) AS o ON o.key = n.key
    WHERE n.key NOT IN ('version', 'updated_at') AND n.value IS DISTINCT FROM o.value);
END
$fn$;
COMMENT ON FUNCTION erp._jsonb_changes(jsonb, jsonb) IS
    'The changed fields between two snapshots, as {"field": {"old": ..., "new": ...}}.';
