-- Template of erp._<prefix>_from_json: a JSON array of objects as table rows. One good object (a
-- single insert) is checked ({{keys_ok}}) and converted ({{values_one}}) by expressions, no
-- query; otherwise the first bad row is refused (ZE003) naming its key, then every row is
-- converted ({{values}}). {{guard}} as in erp_meta._template_patch.
CREATE OR REPLACE FUNCTION erp_meta._template_from_json() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(p_rows jsonb) RETURNS {{table}}[]
LANGUAGE plpgsql {{volatility}}
AS $body$
DECLARE
    v_row bigint;
    v_key text;
    v_reason text;
    v_result {{table}}[];
BEGIN
    IF p_rows IS NULL OR pg_catalog.jsonb_typeof(p_rows) <> 'array' OR pg_catalog.jsonb_array_length(p_rows) = 0 THEN
        RAISE EXCEPTION '{{entity}} rows must be a non-empty JSON array of objects'
            USING ERRCODE = 'ZE003';
    END IF;
    IF pg_catalog.jsonb_array_length(p_rows) > 100000 THEN
        RAISE EXCEPTION '{{entity}}: at most 100000 rows per call, not %',
            pg_catalog.jsonb_array_length(p_rows)
            USING ERRCODE = 'ZE003', HINT = 'Split the rows over several calls.';
    END IF;
    -- one good object (a single insert): checked and converted by expressions, no query
    IF pg_catalog.jsonb_array_length(p_rows) = 1 AND pg_catalog.jsonb_typeof(p_rows -> 0) = 'object'
        AND pg_catalog.octet_length((p_rows -> 0)::text) <= 65536
        AND ((p_rows -> 0) - {{keys}}::text[]) = '{}'::jsonb
        AND {{keys_ok}} THEN
        BEGIN
            v_result := ARRAY[ROW(
                {{values_one}}
            )::{{table}}];
        {{guard}}
        END;
        RETURN v_result;
    END IF;
    SELECT x.erp_row, x.key, x.reason INTO v_row, v_key, v_reason
    FROM (
        SELECT j.erp_row, NULL::text AS key, 'is not a JSON object' AS reason
        FROM pg_catalog.jsonb_array_elements(p_rows) WITH ORDINALITY AS j (value, erp_row)
        WHERE pg_catalog.jsonb_typeof(j.value) <> 'object'
        UNION ALL
        SELECT j.erp_row, NULL, 'is larger than 64 kB'
        FROM pg_catalog.jsonb_array_elements(p_rows) WITH ORDINALITY AS j (value, erp_row)
        WHERE pg_catalog.octet_length(j.value::text) > 65536
        UNION ALL
        SELECT j.erp_row, k.key, CASE WHEN c.ok IS NULL THEN 'is not a column that may be set'
            ELSE 'has a value of the wrong type' END
        FROM pg_catalog.jsonb_array_elements(p_rows) WITH ORDINALITY AS j (value, erp_row)
        CROSS JOIN LATERAL pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(j.value) = 'object'
            THEN j.value ELSE '{}' END) AS k
        CROSS JOIN LATERAL (
            SELECT CASE k.key
                {{key_cases}}
            END AS ok
        ) AS c
        WHERE c.ok IS NOT TRUE
    ) AS x
    ORDER BY x.erp_row, x.key LIMIT 1;
    IF v_row IS NOT NULL THEN
        RAISE EXCEPTION '{{entity}} row %: %',
            v_row, coalesce('key ' || erp._clip(v_key, 40) || ' ', '') || v_reason
            USING ERRCODE = 'ZE003',
            HINT = {{hint}};
    END IF;
    BEGIN
        SELECT pg_catalog.array_agg(
            ROW(
                {{values}}
            )::{{table}}
            ORDER BY j.erp_row
        )
        INTO v_result
        FROM pg_catalog.jsonb_array_elements(p_rows) WITH ORDINALITY AS j (value, erp_row);
    {{guard}}
    END;
    RETURN v_result;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(jsonb) IS
    'Generated: a JSON array of {{entity}} objects as table rows; ZE003 for unknown keys and values of the wrong type.';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_from_json() IS
    'Generator template (placeholders: function, table, entity, volatility, keys, keys_ok, '
    'key_cases, hint, values, values_one, guard).';
