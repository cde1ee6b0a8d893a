-- The one renderer of the generator: replaces every {{name}} of a template with the text of
-- p_values->>'name'. A placeholder without a value, or a value no placeholder uses, is refused
-- (a typo in a template or in its caller fails the migrate instead of generating wrong SQL).
-- Values are SQL text the caller built (identifiers quoted with format('%I'), literals with %L).
-- A value of several lines is indented as its placeholder's line: every line after its first
-- starts with that line's leading spaces, so a list given one item per line keeps the
-- template's layout wherever the placeholder stands; a line that holds only a placeholder
-- whose value is empty is left out.
CREATE OR REPLACE FUNCTION erp_meta._render(p_template text, p_values jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_used text[];
    v_unknown text[];
    v_unused text[];
    v_lines text[] := '{}'::text[];
    v_line text;
    v_indent text;
    v_alone boolean;
    v_name text;
BEGIN
    IF regexp_replace(p_template, '\{\{[a-z_][a-z0-9_]*\}\}', '', 'g') ~ '\{\{|\}\}' THEN
        RAISE EXCEPTION 'template has a malformed placeholder (names are {{lower_case}})'
            USING ERRCODE = 'ZE003';
    END IF;
    SELECT coalesce(array_agg(DISTINCT m[1]), '{}') INTO v_used
    FROM regexp_matches(p_template, '\{\{([a-z_][a-z0-9_]*)\}\}', 'g') AS m;
    SELECT array_agg(u.name ORDER BY u.name) INTO v_unknown
    FROM unnest(v_used) AS u (name) WHERE NOT p_values ? u.name;
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'template placeholder(s) without a value: %', array_to_string(v_unknown, ', ')
            USING ERRCODE = 'ZE003';
    END IF;
    SELECT array_agg(k.name ORDER BY k.name) INTO v_unused
    FROM jsonb_object_keys(p_values) AS k (name) WHERE k.name <> ALL (v_used);
    IF v_unused IS NOT NULL THEN
        RAISE EXCEPTION 'value(s) for no placeholder of the template: %', array_to_string(v_unused, ', ')
            USING ERRCODE = 'ZE003';
    END IF;
    FOREACH v_name IN ARRAY v_used LOOP
        IF jsonb_typeof(p_values -> v_name) <> 'string' THEN
            RAISE EXCEPTION 'template value % is not text', v_name USING ERRCODE = 'ZE003';
        END IF;
    END LOOP;
    FOR v_line IN SELECT l.line FROM regexp_split_to_table(p_template, E'\n') WITH ORDINALITY AS l (line, n)
        ORDER BY l.n
    LOOP
        v_indent := substring(v_line FROM '^ *');
        v_alone := v_line ~ '^ *\{\{[a-z_][a-z0-9_]*\}\} *$';
        FOREACH v_name IN ARRAY v_used LOOP
            IF strpos(v_line, '{{' || v_name || '}}') > 0 THEN
                v_line := replace(v_line, '{{' || v_name || '}}',
                    replace(p_values ->> v_name, E'\n', E'\n' || v_indent));
            END IF;
        END LOOP;
        IF NOT (v_alone AND v_line ~ '^ *$') THEN
            v_lines := v_lines || v_line;
        END IF;
    END LOOP;
    -- a blank line of a value gets no indentation
    RETURN regexp_replace(array_to_string(v_lines, E'\n'), E'\n +(?=\n)', E'\n', 'g');
END
$fn$;
COMMENT ON FUNCTION erp_meta._render(text, jsonb) IS
    'Renders a generator template: every {{name}} replaced by p_values->>name, a value of several '
    'lines indented as its placeholder''s line; a missing or unused value is refused (ZE003).';
