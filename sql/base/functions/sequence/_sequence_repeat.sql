-- The refusal of an allocation whose formatted number the sequence issued before (its ledger
-- row exists): ZE009 naming the number. Off the hot path: called only then.
CREATE OR REPLACE FUNCTION erp._sequence_repeat(
    p_seq erp.erp_sequences, p_formatted text, p_value bigint, p_period text
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION 'sequence % would issue number % again', erp._clip(p_seq.code), erp._clip(p_formatted)
        USING ERRCODE = 'ZE009',
        DETAIL = format('%s was issued before; now it is number %s of period %s under prefix %s, '
            'suffix %s, padding %s.', erp._clip(p_formatted), p_value, p_period,
            erp._clip(p_seq.prefix), erp._clip(p_seq.suffix), p_seq.padding),
        HINT = 'Change the prefix, suffix or padding so that the sequence cannot print an issued '
        'number (erp.sequence_update), or number with a new sequence.';
END
$fn$;
COMMENT ON FUNCTION erp._sequence_repeat(erp.erp_sequences, text, bigint, text) IS
    'ZE009: the allocation would print a number the sequence issued before.';
