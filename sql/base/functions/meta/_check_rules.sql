-- What erp._p_check refuses, in order, as SQL over a row e of erp_meta._rows_sql: a missing
-- required value, a value over the size limits (text in an index: 2000 bytes, so an index row
-- always fits; other text and jsonb: 16 kB), a numeric that is not a finite number of
-- reasonable size, a CHECK constraint, and a reference to a row that does not exist (ZE001).
CREATE OR REPLACE FUNCTION erp_meta._check_rules(p_table regclass)
RETURNS TABLE (n bigint, field text, errcode text, reason text, ok_sql text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT row_number() OVER (ORDER BY r.grp, r.ord), r.field, r.errcode, r.reason, r.ok_sql
    FROM (
        SELECT 1 AS grp, c.attnum::bigint AS ord, c.name AS field, 'ZE003' AS errcode, 'is required' AS reason,
            format('e.%I IS NOT NULL', c.name) AS ok_sql
        FROM erp_meta._columns(p_table) AS c
        WHERE c.not_null AND NOT c.generated AND c.name NOT IN ('tenant_id', 'id', 'version', 'active', 'created_at', 'updated_at')
        UNION ALL
        SELECT 2, c.attnum, c.name, 'ZE003',
            CASE WHEN c.indexed THEN 'is longer than 2000 bytes' ELSE 'is longer than 16 kB' END,
            format('coalesce(pg_catalog.octet_length(e.%I%s) <= %s, true)', c.name,
                CASE WHEN c.kind = 'jsonb' THEN '::text' ELSE '' END, CASE WHEN c.indexed THEN 2000 ELSE 16384 END)
        FROM erp_meta._columns(p_table) AS c
        WHERE NOT c.generated AND c.kind IN ('text', 'jsonb')
        UNION ALL
        SELECT 3, c.attnum, c.name, 'ZE003', 'must be a finite number below 1e30 with at most 20 decimals',
            format(E'coalesce(e.%1$I > ''-Infinity'' AND e.%1$I < ''Infinity''\n'
                '    AND pg_catalog.abs(e.%1$I) < 1e30 AND pg_catalog.scale(e.%1$I) <= 20, true)', c.name)
        FROM erp_meta._columns(p_table) AS c
        WHERE NOT c.generated AND c.kind = 'numeric'
        UNION ALL
        SELECT 4, k.n, k.field, 'ZE003', 'is invalid (constraint ' || k.name || ')', format('e.erp_ok_%s', k.n)
        FROM erp_meta._checks(p_table) AS k
        UNION ALL
        SELECT 5, row_number() OVER (ORDER BY fk.conname), coalesce(f.field, fk.conname::text), 'ZE001',
            'refers to a record that does not exist in this tenant',
            format(E'(%s\n    OR EXISTS (\n        SELECT 1 FROM %s AS x\n        WHERE %s))',
                (SELECT string_agg(format('e.%I IS NULL', a.attname), ' OR ')
                FROM unnest(fk.conkey) AS k (attnum)
                INNER JOIN pg_attribute AS a ON a.attrelid = fk.conrelid AND a.attnum = k.attnum),
                fk.confrelid::regclass,
                (SELECT string_agg(format('x.%I = e.%I', ra.attname, a.attname), ' AND ')
                FROM unnest(fk.conkey, fk.confkey) AS k (attnum, refnum)
                INNER JOIN pg_attribute AS a ON a.attrelid = fk.conrelid AND a.attnum = k.attnum
                INNER JOIN pg_attribute AS ra ON ra.attrelid = fk.confrelid AND ra.attnum = k.refnum))
        FROM pg_constraint AS fk
        INNER JOIN pg_class AS t ON t.oid = fk.conrelid
        LEFT JOIN erp_meta.constraint_fields AS f ON f.table_name = t.relname AND f.constraint_name = fk.conname
        WHERE fk.conrelid = p_table AND fk.contype = 'f'
    ) AS r
$fn$;
COMMENT ON FUNCTION erp_meta._check_rules(regclass) IS
    'The refusals of the generic check of a table, as SQL over erp_meta._rows_sql rows.';
