-- The unique indexes of an entity table (primary key included), numbered by name: key
-- columns, partial-index predicate, the field a conflict is about (erp_meta.constraint_fields,
-- else the columns), and the stored columns a write changes the key through (generated key
-- columns are traced back to the columns they are computed from).
CREATE OR REPLACE FUNCTION erp_meta._unique_keys(p_table regclass)
RETURNS TABLE (n bigint, name text, columns text[], predicate text, field text, sources text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT row_number() OVER (ORDER BY ic.relname), ic.relname::text,
        (SELECT array_agg(a.attname::text ORDER BY k.ord)
        FROM unnest(i.indkey::smallint[]) WITH ORDINALITY AS k (attnum, ord)
        INNER JOIN pg_attribute AS a ON a.attrelid = p_table AND a.attnum = k.attnum),
        pg_get_expr(i.indpred, i.indrelid),
        coalesce(f.field, (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord)
            FROM unnest(i.indkey::smallint[]) WITH ORDINALITY AS k (attnum, ord)
            INNER JOIN pg_attribute AS a ON a.attrelid = p_table AND a.attnum = k.attnum
            WHERE a.attname <> 'tenant_id')),
        (SELECT array_agg(DISTINCT s.attname::text)
        FROM unnest(i.indkey::smallint[]) AS k (attnum)
        INNER JOIN pg_attribute AS a ON a.attrelid = p_table AND a.attnum = k.attnum
        CROSS JOIN LATERAL (
            SELECT a.attname WHERE a.attgenerated = ''
            UNION
            SELECT src.attname FROM pg_attrdef AS gd
            INNER JOIN pg_depend AS d ON d.classid = 'pg_attrdef'::regclass AND d.objid = gd.oid
                AND d.refobjid = p_table AND d.refobjsubid > 0 AND d.refobjsubid <> gd.adnum
            INNER JOIN pg_attribute AS src ON src.attrelid = p_table AND src.attnum = d.refobjsubid
            WHERE a.attgenerated <> '' AND gd.adrelid = p_table AND gd.adnum = a.attnum
        ) AS s (attname)
        WHERE s.attname NOT IN ('tenant_id', 'id'))
    FROM pg_index AS i
    INNER JOIN pg_class AS ic ON ic.oid = i.indexrelid
    INNER JOIN pg_class AS t ON t.oid = i.indrelid
    LEFT JOIN erp_meta.constraint_fields AS f ON f.table_name = t.relname AND f.constraint_name = ic.relname
    WHERE i.indrelid = p_table AND i.indisunique AND i.indexprs IS NULL
$fn$;
COMMENT ON FUNCTION erp_meta._unique_keys(regclass) IS
    'Unique indexes of a table, numbered by name: columns, predicate, field, source columns.';
