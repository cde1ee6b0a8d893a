-- Called only by the allocation that created a period's counter row (its first number): the
-- counter copied step and start value from a definition read without a lock, and a concurrent
-- sequence_update may have changed step, start_value or reset meanwhile (it saw no counter
-- yet, so it did not refuse). FOR SHARE waits for such an update to end and reads the
-- definition as committed; if the series fields differ, the allocation fails with 40001 and
-- the caller retries. Once this lock is held, an update of the series waits for our commit
-- and then sees our counter (ZE009). Never on the hot path: once per period.
CREATE OR REPLACE FUNCTION erp._sequence_recheck(p_seq erp.erp_sequences) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_now erp.erp_sequences;
BEGIN
    SELECT s.* INTO v_now FROM erp.erp_sequences AS s
    WHERE s.tenant_id = p_seq.tenant_id AND s.id = p_seq.id
    FOR SHARE;
    IF (v_now.step, v_now.start_value, v_now.reset)
        IS DISTINCT FROM (p_seq.step, p_seq.start_value, p_seq.reset) THEN
        RAISE EXCEPTION 'sequence % changed its step, start value or reset while its first number was allocated',
            p_seq.code
            USING ERRCODE = '40001',
            HINT = 'Retry the transaction: it will number with the new definition.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_recheck(erp.erp_sequences) IS
    'First number of a period: 40001 if a concurrent update changed the series definition.';
