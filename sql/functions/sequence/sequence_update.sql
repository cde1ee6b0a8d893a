-- Changes a sequence definition. Format changes (prefix, suffix, padding, name, code) apply
-- to the next number and never touch counters. step, start_value and reset define the series
-- itself: they may change only while the sequence has issued no number (ZE009 afterwards).
-- "Issued" means a committed counter row; the race with a concurrent first allocation is
-- closed on the allocating side (erp._sequence_recheck: that allocation fails with 40001).
CREATE OR REPLACE FUNCTION erp.sequence_update(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_patch jsonb,
    p_expected_version bigint DEFAULT NULL
) RETURNS erp.erp_sequences
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.erp_sequences;
    v_new erp.erp_sequences;
    v_bad text;
BEGIN
    PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    PERFORM erp._patch_check('erp.base.sequence', p_patch);
    -- stricter than _patch_check for the series fields: numbers must be JSON numbers ("4" is
    -- refused, not cast) and text must be JSON strings
    SELECT string_agg(k.key, ', ' ORDER BY k.key) INTO v_bad
    FROM jsonb_each(p_patch) AS k
    WHERE jsonb_typeof(k.value) NOT IN ('null',
        CASE WHEN k.key IN ('padding', 'step', 'start_value') THEN 'number' ELSE 'string' END);
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'sequence patch: wrong JSON type for %', v_bad
            USING ERRCODE = 'ZE003',
            HINT = 'padding, step and start_value are JSON numbers; the other keys JSON strings.';
    END IF;
    v_old := erp._sequence_lock(p_tenant_id, p_id, p_expected_version);
    v_new := jsonb_populate_record(v_old, p_patch);
    v_new.code := btrim(v_new.code);
    v_new.name := btrim(v_new.name);
    PERFORM erp._sequence_validate(v_new);
    IF (v_new.step, v_new.start_value, v_new.reset)
        IS DISTINCT FROM (v_old.step, v_old.start_value, v_old.reset)
        AND EXISTS (
            SELECT 1 FROM erp.erp_sequence_counters AS c
            WHERE c.tenant_id = p_tenant_id AND c.sequence_id = p_id
        ) THEN
        RAISE EXCEPTION 'sequence % has issued numbers: step, start_value and reset are fixed', v_old.code
            USING ERRCODE = 'ZE009',
            HINT = 'Create a new sequence for a new series; format fields may still change.';
    END IF;
    RETURN erp._sequence_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION 'sequence patch: %', SQLERRM USING ERRCODE = 'ZE003';
END
$fn$;
COMMENT ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a sequence definition (audited); step/start_value/reset only before first use.';
REVOKE ALL ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint)
TO erp_app, erp_admin;
