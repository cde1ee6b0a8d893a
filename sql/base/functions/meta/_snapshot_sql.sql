-- SQL building the canonical snapshot of a row of p_table from the record p_alias: every
-- column, timestamps in UTC (jsonb_build_object in chunks of 50 pairs, its argument limit), one
-- pair per line.
CREATE OR REPLACE FUNCTION erp_meta._snapshot_sql(p_table regclass, p_alias text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT string_agg(chunk.sql, E'\n|| ' ORDER BY chunk.n)
    FROM (
        SELECT (c.attnum - 1) / 50 AS n,
            E'pg_catalog.jsonb_build_object(\n    ' || string_agg(
                format('%L, %s', c.name, erp_meta._render_sql(c.kind, format('%s.%I', p_alias, c.name))),
                E',\n    ' ORDER BY c.attnum) || E'\n)' AS sql
        FROM (SELECT row_number() OVER (ORDER BY x.attnum) AS attnum, x.name, x.kind
            FROM erp_meta._columns(p_table) AS x) AS c
        GROUP BY (c.attnum - 1) / 50
    ) AS chunk
$fn$;
COMMENT ON FUNCTION erp_meta._snapshot_sql(regclass, text) IS
    'SQL for the canonical jsonb snapshot of a p_table row held in p_alias.';
