-- SQL for the rows of p_rows (an array of the table's row type, in scope where the SQL is
-- used) as the table would store them, named e: erp_row (1-based position), every stored
-- column (tenant_id from p_tenant_id; when p_defaults, NULL columns take their default as a
-- plain INSERT would), the generated columns computed from them, erp_ok_<n> for the n-th CHECK
-- constraint by name (true unless it refuses the row) and erp_in_<n> for the n-th partial
-- unique index by name (the row falls under its predicate). Three levels, so that every
-- expression taken from the catalog sees the bare column names it was written with. One column
-- a line.
CREATE OR REPLACE FUNCTION erp_meta._rows_sql(p_table regclass, p_defaults boolean) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT format(E'(\n'
        '    SELECT l2.*%s%s\n'
        '    FROM (\n'
        '        SELECT l1.*%s\n'
        '        FROM (\n'
        '            SELECT r.ordinality AS erp_row,\n'
        '                %s\n'
        '            FROM pg_catalog.unnest(p_rows) WITH ORDINALITY AS r\n'
        '        ) AS l1\n'
        '    ) AS l2\n'
        ') AS e',
        (SELECT coalesce(string_agg(format(E',\n        (%s)%sIS NOT FALSE AS erp_ok_%s', w.expr,
            -- a long last line of the expression: the alias on a line of its own
            CASE WHEN length(substring(w.expr FROM '[^\n]*$')) > 60 THEN E'\n            ' ELSE ' ' END, k.n), '' ORDER BY k.n), '')
        FROM erp_meta._checks(p_table) AS k CROSS JOIN LATERAL (SELECT replace(erp_meta._wrap_sql(k.expr, 80), E'\n', E'\n         ') AS expr) AS w),
        (SELECT coalesce(string_agg(format(E',\n        (%s) IS TRUE AS erp_in_%s', erp_meta._wrap_sql(u.predicate, 80), u.n), '' ORDER BY u.n), '')
        FROM erp_meta._unique_keys(p_table) AS u WHERE u.predicate IS NOT NULL),
        (SELECT coalesce(string_agg(format(E',\n            %s AS %I', c.generated_sql, c.name), '' ORDER BY c.attnum), '')
        FROM erp_meta._columns(p_table) AS c WHERE c.generated),
        (SELECT string_agg(CASE
            WHEN c.name = 'tenant_id' THEN 'p_tenant_id AS tenant_id'
            WHEN p_defaults AND c.default_sql IS NOT NULL THEN format('coalesce(r.%1$I, %2$s) AS %1$I', c.name, c.default_sql)
            ELSE format('r.%I', c.name)
        END, E',\n                ' ORDER BY c.attnum) FROM erp_meta._columns(p_table) AS c WHERE NOT c.generated))
$fn$;
COMMENT ON FUNCTION erp_meta._rows_sql(regclass, boolean) IS
    'SQL for p_rows as p_table would store them (defaults, generated columns, CHECK results), aliased e.';
