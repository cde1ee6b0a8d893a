-- Template of erp._<prefix>_patch: p_old with the keys of p_patch applied. A good patch is
-- checked by one expression ({{keys_ok}}); a bad one is refused (ZE003) naming its unknown or
-- read-only keys and its values of the wrong type ({{key_cases}}). {{guard}} catches a value of
-- another type (enum, array, ...) that its cast from text refuses, or is empty.
CREATE OR REPLACE FUNCTION erp_meta._template_patch() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(p_old {{table}}, p_patch jsonb) RETURNS {{table}}
LANGUAGE plpgsql {{volatility}}
AS $body$
DECLARE
    v_unknown text[];
    v_bad text[];
    v_new {{table}};
BEGIN
    IF p_patch IS NULL OR pg_catalog.jsonb_typeof(p_patch) <> 'object' THEN
        RAISE EXCEPTION 'patch for {{entity}} must be a JSON object'
            USING ERRCODE = 'ZE003', HINT = 'Pass {"field": value, ...} with the fields to change.';
    END IF;
    -- one expression for a good patch; the query below names what is wrong with a bad one
    IF NOT (
        (p_patch - {{keys}}::text[]) = '{}'::jsonb
        AND {{keys_ok}}
    ) THEN
        SELECT pg_catalog.array_agg(k.key ORDER BY k.key) FILTER (WHERE c.ok IS NULL),
            pg_catalog.array_agg(k.key ORDER BY k.key) FILTER (WHERE NOT c.ok)
        INTO v_unknown, v_bad
        FROM pg_catalog.jsonb_each(p_patch) AS k
        CROSS JOIN LATERAL (
            SELECT CASE k.key
                {{key_cases}}
            END AS ok
        ) AS c;
        IF v_unknown IS NOT NULL THEN
            RAISE EXCEPTION 'patch for {{entity}} has unknown or read-only keys: %',
                erp._clip_list(v_unknown)
                USING ERRCODE = 'ZE003',
                HINT = {{hint}};
        END IF;
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'patch for {{entity}} has values of the wrong type for: %',
                erp._clip_list(v_bad)
                USING ERRCODE = 'ZE003',
                HINT = 'Text is a JSON string, numbers a JSON number or a decimal string, uuids and dates strings, '
                'booleans true or false.';
        END IF;
    END IF;
    BEGIN
        SELECT
            {{values}}
        INTO v_new;
    {{guard}}
    END;
    RETURN v_new;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}({{table}}, jsonb) IS
    'Generated: p_old with p_patch applied; ZE003 for unknown or read-only keys and values of the wrong type.';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_patch() IS
    'Generator template (placeholders: function, table, entity, volatility, keys, keys_ok, '
    'key_cases, hint, values, guard).';
