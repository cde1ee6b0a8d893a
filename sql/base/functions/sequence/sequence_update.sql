-- Changes a sequence definition. Once a number was issued (a committed counter row):
--   * step, start_value and reset define the series: fixed (ZE009);
--   * prefix, suffix and padding may change unless the new format could print an issued
--     number again (erp._sequence_reissue over the ledger of issued numbers: "A-1" + 13 and
--     "A-" + 113 are both "A-113"): ZE009 naming it;
--   * code and name may change.
-- A change that commits while a first number of a period is still open is not seen here; the
-- period keeps the series its counter row copied, and the ledger refuses at allocation (ZE009)
-- any number issued before. Locks: no allocation waits for the sequence row, and a transaction
-- that holds a counter row of the sequence (it allocated) does not wait for it either: when
-- another change holds it, 40001 at once (that change may be about to wait for our counter
-- row). So no mix of changes and allocations deadlocks.
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
    v_again text;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    IF EXISTS (
        SELECT 1 FROM erp.erp_sequence_counters AS c
        WHERE c.tenant_id = p_tenant_id AND c.sequence_id = p_id
            AND c.xmin = (pg_current_xact_id_if_assigned()::text::numeric % 4294967296)::text::xid
    ) THEN
        PERFORM 1 FROM erp.erp_sequences AS s WHERE s.tenant_id = p_tenant_id AND s.id = p_id
        FOR NO KEY UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'sequence % is being changed by another transaction, and this one holds numbers of it',
                p_id
                USING ERRCODE = '40001',
                HINT = 'Roll back and retry; change a sequence before allocating from it in one transaction.';
        END IF;
    END IF;
    v_old := erp._sequence_lock(p_tenant_id, p_id, p_expected_version);
    v_new := erp._sequence_patch(v_old, p_patch);
    v_new.code := btrim(v_new.code, E' \t\r\n');
    v_new.name := btrim(v_new.name, E' \t\r\n');
    PERFORM erp._sequence_validate(v_new);
    IF (v_new.step, v_new.start_value, v_new.reset)
        IS DISTINCT FROM (v_old.step, v_old.start_value, v_old.reset)
        AND EXISTS (
            SELECT 1 FROM erp.erp_sequence_counters AS c
            WHERE c.tenant_id = p_tenant_id AND c.sequence_id = p_id
        ) THEN
        RAISE EXCEPTION 'sequence % has issued numbers: step, start_value and reset are fixed',
            erp._clip(v_old.code)
            USING ERRCODE = 'ZE009',
            HINT = 'Create a new sequence for a new series; prefix, suffix, padding, code and name may still change.';
    END IF;
    IF (v_new.prefix, v_new.suffix, v_new.padding) IS DISTINCT FROM (v_old.prefix, v_old.suffix, v_old.padding) THEN
        v_again := erp._sequence_reissue(v_new);
        IF v_again IS NOT NULL THEN
            RAISE EXCEPTION 'sequence % would print the issued number % again with prefix %, suffix % and padding %',
                erp._clip(v_old.code), erp._clip(v_again), erp._clip(v_new.prefix), erp._clip(v_new.suffix),
                v_new.padding
                USING ERRCODE = 'ZE009',
                HINT = 'Choose a prefix, suffix or padding that no issued number fits, or create a new sequence.';
        END IF;
    END IF;
    RETURN erp._sequence_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'updated');
END
$fn$;
COMMENT ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint) IS
    'Patches a sequence definition (audited); the series is fixed once numbers were issued, the format '
    'may change unless it could print an issued number again.';
REVOKE ALL ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_update(uuid, uuid, text, text, uuid, jsonb, bigint)
TO erp_app, erp_admin;
