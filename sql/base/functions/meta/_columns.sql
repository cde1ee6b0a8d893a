-- The columns of an entity table as the generator sees them: type, NOT NULL, default,
-- generation expression, whether an index covers it (directly or through a generated column
-- computed from it), and the JSON kind that decides how values are checked and converted:
--   text uuid boolean numeric int date timestamptz timestamp jsonb | other
-- Types whose text or JSON form depends on session settings (float, money, interval; a
-- timestamptz that is not a plain timestamptz column; ranges of dates and times) are refused,
-- also behind a domain, an array or a range: audited values must mean the same in every session.
CREATE OR REPLACE FUNCTION erp_meta._columns(p_table regclass)
RETURNS TABLE (
    attnum smallint, name text, type_sql text, typmod integer, not_null boolean, generated boolean,
    default_sql text, generated_sql text, indexed boolean, kind text, int_min numeric, int_max numeric
)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_bad text;
BEGIN
    -- every type a column's value is made of: a domain's base type, an array's element type, a
    -- range's or multirange's subtype, recursively (a domain over float8 is still a float).
    -- Refused: float, money and interval anywhere; timestamptz inside an array, a range or a
    -- multirange (JSON renders it in the session's zone) or behind a domain (not rendered as
    -- UTC); date and timestamp inside a range or multirange (their text follows DateStyle).
    WITH RECURSIVE parts (attname, typid, top, in_array, in_range) AS (
        SELECT a.attname, a.atttypid, a.atttypid, false, false
        FROM pg_attribute AS a
        WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL
        SELECT p.attname, n.typid, p.top, p.in_array OR n.is_array, p.in_range OR n.is_range
        FROM parts AS p
        INNER JOIN pg_type AS t ON t.oid = p.typid
        CROSS JOIN LATERAL (
            SELECT t.typbasetype AS typid, false AS is_array, false AS is_range WHERE t.typtype = 'd'
            UNION ALL SELECT t.typelem, true, false WHERE t.typcategory = 'A' AND t.typelem <> 0
            UNION ALL SELECT r.rngsubtype, false, true FROM pg_range AS r
            WHERE t.typtype = 'r' AND r.rngtypid = t.oid
            UNION ALL SELECT r.rngsubtype, false, true FROM pg_range AS r
            WHERE t.typtype = 'm' AND r.rngmultitypid = t.oid
        ) AS n
    )
    SELECT string_agg(DISTINCT format('%s (%s)', quote_ident(p.attname), format_type(p.top, NULL)), ', ')
    INTO v_bad
    FROM parts AS p
    WHERE p.typid IN ('float4'::regtype, 'float8'::regtype, 'money'::regtype, 'interval'::regtype)
        OR (p.typid = 'timestamptz'::regtype AND p.typid <> p.top)
        OR (p.typid IN ('date'::regtype, 'timestamp'::regtype) AND p.in_range);
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'entity table % has columns whose text depends on session settings: %', p_table, v_bad
            USING ERRCODE = 'ZE003', HINT = 'Use numeric instead of float or money, two timestamptz columns instead '
            'of a range of times or an interval, and timestamptz itself rather than a domain or array of it.';
    END IF;
    RETURN QUERY
    SELECT a.attnum, a.attname::text, format_type(a.atttypid, a.atttypmod), a.atttypmod, a.attnotnull,
        a.attgenerated <> '',
        CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
        CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
        EXISTS (
            SELECT 1 FROM pg_index AS i
            WHERE i.indrelid = p_table AND (a.attnum = ANY (i.indkey::smallint[]) OR EXISTS (
                -- a generated column's expression (pg_attrdef) depends on the columns it reads
                SELECT 1 FROM pg_attrdef AS gd
                INNER JOIN pg_depend AS dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = gd.oid
                    AND dep.refobjid = p_table AND dep.refobjsubid = a.attnum
                WHERE gd.adrelid = p_table AND gd.adnum = ANY (i.indkey::smallint[])
            ))
        ),
        CASE
            WHEN a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype) THEN 'text'
            WHEN a.atttypid = 'uuid'::regtype THEN 'uuid'
            WHEN a.atttypid = 'bool'::regtype THEN 'boolean'
            WHEN a.atttypid = 'numeric'::regtype THEN 'numeric'
            WHEN a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN 'int'
            WHEN a.atttypid = 'date'::regtype THEN 'date'
            WHEN a.atttypid = 'timestamptz'::regtype THEN 'timestamptz'
            WHEN a.atttypid = 'timestamp'::regtype THEN 'timestamp'
            WHEN a.atttypid IN ('jsonb'::regtype, 'json'::regtype) THEN 'jsonb'
            ELSE 'other'
        END,
        CASE a.atttypid WHEN 'int2'::regtype THEN -32768::numeric WHEN 'int4'::regtype THEN -2147483648::numeric
            WHEN 'int8'::regtype THEN -9223372036854775808::numeric END,
        CASE a.atttypid WHEN 'int2'::regtype THEN 32767::numeric WHEN 'int4'::regtype THEN 2147483647::numeric
            WHEN 'int8'::regtype THEN 9223372036854775807::numeric END
    FROM pg_attribute AS a
    LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum;
END
$fn$;
COMMENT ON FUNCTION erp_meta._columns(regclass) IS
    'Columns of an entity table for the writer generator (type kind, defaults, generation, indexed).';
