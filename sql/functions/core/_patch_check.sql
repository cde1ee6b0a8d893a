-- Refuses a patch that is not an object, names a key that does not exist or may not change,
-- or puts a JSON object or array into a column that is not jsonb (jsonb_populate_record would
-- silently store its text: {"name": {"a": 1}} would become the name '{"a": 1}').
CREATE OR REPLACE FUNCTION erp._patch_check(p_entity_type text, p_patch jsonb) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_bad text[];
    v_entity erp_meta.entity_types := (
        SELECT e FROM erp_meta.entity_types AS e WHERE e.entity_type = p_entity_type
    );
    v_keys text[] := v_entity.patch_keys;
BEGIN
    IF p_patch IS NULL OR pg_catalog.jsonb_typeof(p_patch) <> 'object' THEN
        RAISE EXCEPTION 'patch for % must be a JSON object', p_entity_type
            USING ERRCODE = 'ZE003', HINT = 'Pass {"field": value, ...} with the fields to change.';
    END IF;
    SELECT array_agg(k.key ORDER BY k.key) INTO v_bad
    FROM pg_catalog.jsonb_object_keys(p_patch) AS k (key)
    WHERE k.key <> ALL (v_keys);
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'patch for % has unknown or read-only keys: %', p_entity_type,
            pg_catalog.array_to_string(v_bad, ', ')
            USING ERRCODE = 'ZE003',
            HINT = format('Keys that may change: %s.', pg_catalog.array_to_string(v_keys, ', '));
    END IF;
    -- the catalog is read only for object or array values, which are rare
    SELECT array_agg(k.key ORDER BY k.key) INTO v_bad
    FROM pg_catalog.jsonb_each(p_patch) AS k
    WHERE pg_catalog.jsonb_typeof(k.value) IN ('object', 'array')
        AND NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = pg_catalog.format('erp.%I', v_entity.table_name)::regclass
                AND a.attname = k.key
                AND a.atttypid IN ('jsonb'::regtype, 'json'::regtype)
        );
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'patch for % has a JSON object or array for a non-JSON field: %', p_entity_type,
            pg_catalog.array_to_string(v_bad, ', ')
            USING ERRCODE = 'ZE003', HINT = 'Pass a plain value (string, number, boolean or null).';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._patch_check(text, jsonb) IS
    'ZE003 unless the patch is an object of patchable columns, with JSON objects/arrays only for jsonb columns.';
