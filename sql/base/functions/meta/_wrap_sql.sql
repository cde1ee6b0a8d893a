-- An SQL expression from the catalog (a CHECK constraint, an index predicate) laid out for
-- reading: when longer than p_width, a line break before each AND / OR of its outermost level
-- that has them (outside quotes), indented to that level; with no AND / OR, after each comma of
-- its outermost level that has commas (a long IN list). Shorter expressions are unchanged.
CREATE OR REPLACE FUNCTION erp_meta._wrap_sql(p_sql text, p_width integer) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_depth integer := 0;
    v_quoted boolean := false;
    v_level integer;
    -- the spaces a break may replace (before an AND / OR, after a comma) and their depths
    v_at integer[] := '{}'::integer[];
    v_levels integer[] := '{}'::integer[];
    v_commas integer[] := '{}'::integer[];
    v_comma_levels integer[] := '{}'::integer[];
    v_out text := '';
    v_from integer := 1;
    v_ch text;
BEGIN
    IF p_sql IS NULL OR length(p_sql) <= p_width THEN
        RETURN p_sql;
    END IF;
    FOR v_i IN 1 .. length(p_sql) LOOP
        v_ch := substr(p_sql, v_i, 1);
        IF v_ch = '''' THEN
            v_quoted := NOT v_quoted;
        ELSIF NOT v_quoted AND v_ch = '(' THEN
            v_depth := v_depth + 1;
        ELSIF NOT v_quoted AND v_ch = ')' THEN
            v_depth := v_depth - 1;
        ELSIF NOT v_quoted AND (substr(p_sql, v_i, 5) = ' AND ' OR substr(p_sql, v_i, 4) = ' OR ') THEN
            v_at := v_at || v_i;
            v_levels := v_levels || v_depth;
        ELSIF NOT v_quoted AND substr(p_sql, v_i, 2) = ', ' THEN
            v_commas := v_commas || (v_i + 1);
            v_comma_levels := v_comma_levels || v_depth;
        END IF;
    END LOOP;
    IF cardinality(v_at) = 0 THEN  -- no AND / OR: the commas
        v_at := v_commas;
        v_levels := v_comma_levels;
    END IF;
    SELECT min(l) INTO v_level FROM unnest(v_levels) AS l;
    IF v_level IS NULL THEN
        RETURN p_sql;
    END IF;
    FOR v_i IN 1 .. cardinality(v_at) LOOP
        IF v_levels[v_i] = v_level THEN
            v_out := v_out || substr(p_sql, v_from, v_at[v_i] - v_from) || E'\n' || repeat(' ', v_level);
            v_from := v_at[v_i] + 1;
        END IF;
    END LOOP;
    RETURN v_out || substr(p_sql, v_from);
END
$fn$;
COMMENT ON FUNCTION erp_meta._wrap_sql(text, integer) IS
    'An SQL expression with a line break before each AND / OR of its outermost level, when long.';
