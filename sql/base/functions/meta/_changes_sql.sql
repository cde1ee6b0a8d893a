-- SQL for the changes of an update, {"field": {"old": ..., "new": ...}}, computed from the
-- typed old and new rows (no JSON diff): every stored column that differs, bookkeeping
-- (version, updated_at) and generated columns (derived) aside. NULL when nothing differs. One
-- column at a time, over four lines.
CREATE OR REPLACE FUNCTION erp_meta._changes_sql(p_table regclass, p_old text, p_new text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT E'(\n    SELECT pg_catalog.jsonb_object_agg(c.k, c.v)\n    FROM (VALUES\n        '
        || string_agg(format(
            E'(%1$L, CASE WHEN %2$s.%3$I\n'
            '            IS DISTINCT FROM %4$s.%3$I\n'
            '            THEN pg_catalog.jsonb_build_object(''old'', %5$s,\n'
            '                ''new'', %6$s) END)',
            c.name, p_old, c.name, p_new,
            erp_meta._render_sql(c.kind, format('%s.%I', p_old, c.name)),
            erp_meta._render_sql(c.kind, format('%s.%I', p_new, c.name))), E',\n        ' ORDER BY c.attnum)
        || E'\n    ) AS c (k, v)\n    WHERE c.v IS NOT NULL\n)'
    FROM erp_meta._columns(p_table) AS c
    WHERE NOT c.generated AND c.name NOT IN ('tenant_id', 'id', 'version', 'updated_at', 'created_at')
$fn$;
COMMENT ON FUNCTION erp_meta._changes_sql(regclass, text, text) IS
    'SQL for the {"field": {"old", "new"}} changes between two typed rows of p_table.';
