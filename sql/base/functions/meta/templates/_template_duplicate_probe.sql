-- Fragment of erp._<prefix>_duplicate, one per unique key of the table: the first row of
-- p_rows whose key is already stored ({{match}}), else the first that repeats a key of an
-- earlier row of p_rows ({{key}}); {{partial}} and {{predicate}} restrict a partial index.
CREATE OR REPLACE FUNCTION erp_meta._template_duplicate_probe() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
SELECT e.erp_row
INTO v_row
FROM {{rows}}
WHERE {{partial}}EXISTS (
        SELECT 1
        FROM {{table}} AS t
        WHERE {{match}}{{predicate}}
    )
ORDER BY e.erp_row
LIMIT 1;
IF v_row IS NULL THEN
    SELECT min(e.erp_row)
    INTO v_row
    FROM {{rows}}
    WHERE {{partial}}true
    GROUP BY {{key}}
    HAVING count(*) > 1;
END IF;
IF v_row IS NOT NULL THEN
    RAISE EXCEPTION '{{entity}} with this % (%) already exists in this tenant%',
        {{field}},
        erp._clip((p_rows[v_row]).{{source}}::text),
        CASE WHEN pg_catalog.cardinality(p_rows) > 1 THEN pg_catalog.format(' (row %s)', v_row) ELSE '' END
        USING ERRCODE = 'ZE002',
        DETAIL = {{detail}},
        HINT = {{hint}};
END IF;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_duplicate_probe() IS
    'Generator template (placeholders: rows, partial, table, match, predicate, key, entity, '
    'field, source, detail, hint).';
