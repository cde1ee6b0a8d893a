-- Refuses a patch that is not an object or names a key that does not exist or may not change.
CREATE OR REPLACE FUNCTION erp._patch_check(p_entity_type text, p_patch jsonb) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_bad text[];
    v_keys text[] := (SELECT e.patch_keys FROM erp_meta.entity_types AS e WHERE e.entity_type = p_entity_type);
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
END
$fn$;
COMMENT ON FUNCTION erp._patch_check(text, jsonb) IS
    'ZE003 unless the patch is an object whose keys are all patchable columns of the entity.';
