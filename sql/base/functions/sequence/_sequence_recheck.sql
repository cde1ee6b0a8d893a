-- Called only by the allocation that created a period's counter row (its first number), to
-- refuse early a format that cannot tell periods apart:
--   * a format that does not name the period (possible for sequences created before 0.2.0)
--     would print the numbers of the earlier period again: ZE009 once a second period begins;
--   * a format with {YY} but not {YYYY} prints 1926 and 2026 alike: ZE009 for the second.
-- Plain reads, no lock: the allocation never waits for the sequence row (a definition change
-- holding it may be about to wait for this allocation's counter row). What a plain read
-- cannot see (a first number of the other century still open) the ledger refuses
-- (erp._sequence_allocate). The period keeps the step and start value its counter row copied
-- from the definition the allocation read. Never on the hot path: once per period.
CREATE OR REPLACE FUNCTION erp._sequence_recheck(p_seq erp.erp_sequences, p_period text) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_other text;
    v_format text := p_seq.prefix || p_seq.suffix;
BEGIN
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
    'First number of a period: ZE009 if the format would print the numbers of another period again.';
