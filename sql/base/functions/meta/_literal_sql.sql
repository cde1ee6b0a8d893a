-- A text as an SQL literal for generated code: one literal when it is short, else adjacent
-- literals one per line, broken after a space or a comma (SQL joins adjacent literals that a
-- line break separates into one constant).
CREATE OR REPLACE FUNCTION erp_meta._literal_sql(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH RECURSIVE piece (n, text) AS (
        SELECT p.n, p.text
        FROM regexp_split_to_table(p_text, '(?<=[ ,])') WITH ORDINALITY AS p (text, n)
    ), line (n, line_no, width) AS (
        SELECT 1::bigint, 1, length(p.text) FROM piece AS p WHERE p.n = 1
        UNION ALL
        SELECT p.n,
            CASE WHEN l.width + length(p.text) > 60 THEN l.line_no + 1 ELSE l.line_no END,
            CASE WHEN l.width + length(p.text) > 60 THEN length(p.text) ELSE l.width + length(p.text) END
        FROM line AS l
        INNER JOIN piece AS p ON p.n = l.n + 1
    )
    SELECT string_agg(quote_literal(t.text), E'\n' ORDER BY t.line_no)
    FROM (
        SELECT l.line_no, string_agg(p.text, '' ORDER BY p.n) AS text
        FROM line AS l
        INNER JOIN piece AS p ON p.n = l.n
        GROUP BY l.line_no
    ) AS t
$fn$;
COMMENT ON FUNCTION erp_meta._literal_sql(text) IS
    'A text as SQL literals of at most about 60 characters, one per line.';
