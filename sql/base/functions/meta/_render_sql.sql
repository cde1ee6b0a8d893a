-- SQL for a column's value in a snapshot or a change: timestamps as canonical UTC text (a
-- timestamptz in JSON is otherwise rendered in the session's zone), everything else as is.
CREATE OR REPLACE FUNCTION erp_meta._render_sql(p_kind text, p_ref text) RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT CASE p_kind WHEN 'timestamptz' THEN 'erp._utc(' || p_ref || ')' ELSE p_ref END
$fn$;
COMMENT ON FUNCTION erp_meta._render_sql(text, text) IS
    'SQL rendering a column reference canonically for JSON (timestamptz as UTC text).';
