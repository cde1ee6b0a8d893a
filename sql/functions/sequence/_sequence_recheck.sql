-- Called only by the allocation that created a period's counter row (its first number):
--   * the counter copied step and start value from a definition read without a lock, and a
--     concurrent sequence_update may have changed step, start_value or reset meanwhile (it saw
--     no counter yet, so it did not refuse). FOR SHARE waits for such an update to end and
--     reads the definition as committed; if the series fields differ, the allocation fails
--     with 40001 and the caller retries. Once this lock is held, an update of the series
--     waits for our commit and then sees our counter (ZE009).
--   * a format that does not name the period (possible for sequences created before 0.2.0)
--     would print the numbers of the earlier period again: ZE009 once a second period begins;
--   * a format with {YY} but not {YYYY} prints 1926 and 2026 alike: ZE009 for the second.
-- Never on the hot path: once per period.
CREATE OR REPLACE FUNCTION erp._sequence_recheck(p_seq erp.erp_sequences, p_period text) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_now erp.erp_sequences;
    v_other text;
    v_format text := p_seq.prefix || p_seq.suffix;
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
    IF p_seq.reset = 'never' THEN
        RETURN;
    END IF;
    SELECT c.period_key INTO v_other FROM erp.erp_sequence_counters AS c
    WHERE c.tenant_id = p_seq.tenant_id AND c.sequence_id = p_seq.id AND c.period_key <> p_period
        AND (NOT erp._sequence_format_ok(p_seq.reset, p_seq.prefix, p_seq.suffix)
            OR (v_format !~ '\{YYYY\}'
                AND substr(c.period_key, 3) = substr(p_period, 3)))
    LIMIT 1;
    IF v_other IS NOT NULL THEN
        RAISE EXCEPTION 'sequence % would print the numbers of period % again in period %',
            p_seq.code, v_other, p_period
            USING ERRCODE = 'ZE009',
            HINT = 'Its prefix and suffix do not tell these periods apart (a {YYYY} token is missing): '
            'create a new sequence whose format includes {YYYY} (and {MM} for a monthly reset).';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_recheck(erp.erp_sequences, text) IS
    'First number of a period: 40001 if the series changed meanwhile, ZE009 if the format would repeat a number.';
