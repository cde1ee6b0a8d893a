-- An issued number (from the ledger erp.erp_sequence_numbers) that a sequence with this
-- definition could print again, or NULL when the ledger proves none can recur. sequence_update
-- asks it before a change of prefix, suffix or padding once numbers were issued.
-- The new format as a pattern: its literal text, each date token as that many digits, the
-- number part between them (prefix and suffix have a fixed width, so the split is unique). An
-- issued number fits when it matches and its number part is what the padding prints for that
-- value; the value can still come when it is at least the start value and, for a reset
-- 'never', at least the counter's next value (every lower number of the one period is issued).
-- A yearly or monthly reset starts again in every new period: any fitting value from the
-- start value on can still come. Off the hot path; reads every issued number of the sequence.
CREATE OR REPLACE FUNCTION erp._sequence_reissue(p_seq erp.erp_sequences) RETURNS text
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_re text := '^' || erp._sequence_pattern(p_seq.prefix) || '([0-9]{1,19})'
        || erp._sequence_pattern(p_seq.suffix) || '$';
    v_from numeric := p_seq.start_value::numeric;
BEGIN
    IF p_seq.reset = 'never' THEN
        SELECT greatest(v_from, c.next_value::numeric) INTO v_from FROM erp.erp_sequence_counters AS c
        WHERE c.tenant_id = p_seq.tenant_id AND c.sequence_id = p_seq.id AND c.period_key = 'all';
        v_from := coalesce(v_from, p_seq.start_value::numeric);
    END IF;
    RETURN (
        SELECT x.formatted
        FROM (
            SELECT l.formatted, (pg_catalog.regexp_match(l.formatted, v_re))[1] AS digits
            FROM erp.erp_sequence_numbers AS l
            WHERE l.tenant_id = p_seq.tenant_id AND l.sequence_id = p_seq.id AND l.formatted ~ v_re
        ) AS x
        WHERE x.digits::numeric BETWEEN v_from AND 9223372036854775807
            AND erp._sequence_pad(x.digits::numeric::bigint, p_seq.padding) = x.digits
        ORDER BY x.formatted
        LIMIT 1
    );
END
$fn$;
COMMENT ON FUNCTION erp._sequence_reissue(erp.erp_sequences) IS
    'An issued number this definition could print again (NULL: the ledger proves none can recur).';
