-- The CHECK constraints of an entity table, numbered by name, with the field a person should
-- look at (erp_meta.constraint_fields, else the constraint's name).
CREATE OR REPLACE FUNCTION erp_meta._checks(p_table regclass)
RETURNS TABLE (n bigint, name text, expr text, field text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT row_number() OVER (ORDER BY k.conname), k.conname::text, pg_get_expr(k.conbin, k.conrelid),
        coalesce(f.field, k.conname::text)
    FROM pg_constraint AS k
    INNER JOIN pg_class AS t ON t.oid = k.conrelid
    LEFT JOIN erp_meta.constraint_fields AS f ON f.table_name = t.relname AND f.constraint_name = k.conname
    WHERE k.conrelid = p_table AND k.contype = 'c'
$fn$;
COMMENT ON FUNCTION erp_meta._checks(regclass) IS
    'CHECK constraints of a table, numbered by name, with the field they are about.';
