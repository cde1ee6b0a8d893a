-- The number sequence_next would allocate now, without allocating or locking anything: a
-- plain read of the committed counter (a number being allocated by another open transaction is
-- not visible, and the read never waits for that transaction's row lock).
-- Another transaction may take it first: use it for display, never as a promise.
CREATE OR REPLACE FUNCTION erp.sequence_peek(
    p_tenant_id uuid, p_code text, p_document_date date DEFAULT NULL
) RETURNS TABLE (allocated_value bigint, next_value bigint, formatted text, period_key text)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_seq erp.erp_sequences;
    v_found record;
    v_date date;
    v_period text;
    v_step bigint;
BEGIN
    v_found := erp._sequence_find(p_tenant_id, p_code, p_document_date);
    v_seq := v_found.seq;
    v_date := v_found.document_date;
    v_period := erp._sequence_period(v_seq.reset, v_date);
    period_key := v_period;
    SELECT c.next_value, c.step INTO allocated_value, v_step FROM erp.erp_sequence_counters AS c
    WHERE c.tenant_id = p_tenant_id AND c.sequence_id = v_seq.id AND c.period_key = v_period;
    allocated_value := coalesce(allocated_value, v_seq.start_value);
    next_value := allocated_value + coalesce(v_step, v_seq.step);
    formatted := erp._sequence_expand(v_seq.prefix, v_date)
        || erp._sequence_pad(allocated_value, v_seq.padding)
        || erp._sequence_expand(v_seq.suffix, v_date);
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION erp.sequence_peek(uuid, text, date) IS
    'The next number of a sequence for a date, without allocating it (not a reservation).';
REVOKE ALL ON FUNCTION erp.sequence_peek(uuid, text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_peek(uuid, text, date) TO erp_app, erp_admin;
