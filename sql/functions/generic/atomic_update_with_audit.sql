-- Generic audited update for module authors. p_event 'updated' applies p_patch (only patchable
-- keys); 'archived' / 'restored' flip active and take no patch. Nothing changed: no event.
CREATE OR REPLACE FUNCTION erp.atomic_update_with_audit(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_entity_type text,
    p_id uuid,
    p_patch jsonb,
    p_expected_version bigint DEFAULT NULL,
    p_event text DEFAULT 'updated'
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_entity erp_meta.entity_types;
    v_patch jsonb := p_patch;
    v_result jsonb;
BEGIN
    -- plpgsql_check cannot see the writes done through EXECUTE (the generated writer) and would
    -- ask for STABLE, which would forbid them: a false positive, so only that class is off.
    -- @plpgsql_check_options: performance_warnings = false
    PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    v_entity := erp._entity(p_entity_type);
    IF p_event IS NULL OR p_event NOT IN ('updated', 'archived', 'restored') THEN
        RAISE EXCEPTION 'unknown event %', coalesce(quote_literal(p_event), 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'p_event is updated, archived or restored.';
    END IF;
    IF p_event = 'updated' THEN
        PERFORM erp._patch_check(p_entity_type, p_patch);
    ELSIF coalesce(p_patch, '{}'::jsonb) <> '{}'::jsonb THEN
        RAISE EXCEPTION '% takes no patch', p_event USING ERRCODE = 'ZE003';
    ELSE
        v_patch := jsonb_build_object('active', p_event = 'restored');
    END IF;
    EXECUTE format(
        'SELECT pg_catalog.to_jsonb(erp.%I($1, $2, $3, $4, o, '
        'pg_catalog.jsonb_populate_record(o, $5), $6)) FROM erp.%I($1, $7, $8) AS o',
        '_' || v_entity.writer_prefix || '_write', '_' || v_entity.writer_prefix || '_lock')
    INTO v_result
    USING p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_patch, p_event,
        p_id, p_expected_version;
    RETURN v_result;
EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION '% patch: %', p_entity_type, SQLERRM
        USING ERRCODE = 'ZE003', HINT = 'Check the types of the values.';
END
$fn$;
COMMENT ON FUNCTION erp.atomic_update_with_audit(uuid, uuid, text, text, text, uuid, jsonb, bigint, text)
IS 'Audited update / archive / restore of one row: version + 1 and one event with the changes.';
REVOKE ALL ON FUNCTION erp.atomic_update_with_audit(uuid, uuid, text, text, text, uuid, jsonb, bigint, text)
FROM PUBLIC;
