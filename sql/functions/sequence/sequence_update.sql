-- Changes a sequence definition. Once a number was issued (a committed counter row):
--   * step, start_value and reset define the series: fixed (ZE009);
--   * prefix and suffix are fixed too (ZE009): a new prefix could print a number already
--     issued under the old one ("A-" + 13 and "A-1" + 3 are both "A-13");
--   * padding may change: the number part of two formats that differ only in padding is equal
--     only for equal numbers, and a number is issued once per period;
--   * code and name may change.
-- The race with a concurrent first allocation is closed on the allocating side
-- (erp._sequence_recheck: that allocation fails with 40001).
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
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._sequence_lock(p_tenant_id, p_id, p_expected_version);
    v_new := erp._sequence_patch(v_old, p_patch);
    v_new.code := btrim(v_new.code, E' \t\r\n');
    v_new.name := btrim(v_new.name, E' \t\r\n');
    PERFORM erp._sequence_validate(v_new);
    IF (v_new.step, v_new.start_value, v_new.reset, v_new.prefix, v_new.suffix)
        IS DISTINCT FROM (v_old.step, v_old.start_value, v_old.reset, v_old.prefix, v_old.suffix)
        AND EXISTS (
            SELECT 1 FROM erp.erp_sequence_counters AS c
            WHERE c.tenant_id = p_tenant_id AND c.sequence_id = p_id
        ) THEN
        RAISE EXCEPTION 'sequence % has issued numbers: step, start_value, reset, prefix and suffix are fixed',
            v_old.code
            USING ERRCODE = 'ZE009',
            HINT = 'A changed format could print an issued number again: create a new sequence for a new '
            'series or format; padding, code and name may still change.';
    END IF;
    RETURN erp._sequence_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
END
$fn$;
COMMENT ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a sequence definition (audited); series and format are fixed once numbers were issued.';
REVOKE ALL ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint)
TO erp_app, erp_admin;
