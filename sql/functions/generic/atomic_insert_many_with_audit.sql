-- Generic audited batch insert for module authors: p_rows is a JSON array of objects whose
-- keys are columns of the entity's table. One statement writes every row and one
-- 'created' event per row; any invalid row refuses the whole batch.
CREATE OR REPLACE FUNCTION erp.atomic_insert_many_with_audit(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_entity_type text,
    p_rows jsonb
) RETURNS SETOF jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_entity erp_meta.entity_types;
    v_bad text[];
BEGIN
    -- plpgsql_check cannot see the writes done through EXECUTE (the generated writer) and would
    -- ask for STABLE, which would forbid them: a false positive, so only that class is off.
    -- @plpgsql_check_options: performance_warnings = false
    PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    v_entity := erp._entity(p_entity_type);
    IF p_rows IS NULL OR jsonb_typeof(p_rows) <> 'array' OR jsonb_array_length(p_rows) = 0 THEN
        RAISE EXCEPTION 'p_rows must be a non-empty JSON array of objects'
            USING ERRCODE = 'ZE003';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_rows) AS e WHERE jsonb_typeof(e) <> 'object') THEN
        RAISE EXCEPTION 'every element of p_rows must be a JSON object' USING ERRCODE = 'ZE003';
    END IF;
    SELECT array_agg(DISTINCT k.key ORDER BY k.key) INTO v_bad
    FROM jsonb_array_elements(p_rows) AS e, jsonb_object_keys(e) AS k (key)
    WHERE k.key <> ALL (v_entity.insert_keys);
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION '% rows have unknown or read-only keys: %', p_entity_type,
            array_to_string(v_bad, ', ')
            USING ERRCODE = 'ZE003',
            HINT = format('Keys accepted: %s.', array_to_string(v_entity.insert_keys, ', '));
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT pg_catalog.to_jsonb(w) FROM erp.%I($1, $2, $3, $4, ARRAY('
        'SELECT pg_catalog.jsonb_populate_record(NULL::erp.%I, e) '
        'FROM pg_catalog.jsonb_array_elements($5) AS e)) AS w',
        '_' || v_entity.writer_prefix || '_insert', v_entity.table_name)
    USING p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, p_rows;
EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION '% rows: %', p_entity_type, SQLERRM
        USING ERRCODE = 'ZE003', HINT = 'Check the types of the values.';
END
$fn$;
COMMENT ON FUNCTION erp.atomic_insert_many_with_audit(uuid, uuid, text, text, text, jsonb) IS
    'Audited batch insert: every row of p_rows and one created event per row, in one statement.';
REVOKE ALL ON FUNCTION erp.atomic_insert_many_with_audit(uuid, uuid, text, text, text, jsonb)
FROM PUBLIC;
