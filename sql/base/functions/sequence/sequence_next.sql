-- Allocates the next number of a sequence for a document date, gaplessly
-- (erp._sequence_allocate: one statement on the (tenant, sequence, period) counter row, with
-- its audit event). The row stays locked until the caller's transaction ends, so a rollback
-- gives the number back and nobody else can take it meanwhile. Everything before the lock is
-- one look-up (tenant and sequence together) and a few expressions; the helpers that explain
-- a refusal run only then.
CREATE OR REPLACE FUNCTION erp.sequence_next(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_document_date date DEFAULT NULL
) RETURNS TABLE (allocated_value bigint, next_value bigint, formatted text, period_key text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_seq erp.erp_sequences;
    v_tz text;
    v_found record;
    v_date date;
    v_number record;
BEGIN
    IF ((p_actor_type = 'SYSTEM' OR (p_actor_type = 'USER' AND p_actor_user_id IS NOT NULL))
        AND coalesce(char_length(p_trace_id) <= 200, true)) IS NOT TRUE THEN
        PERFORM erp._actor_check(p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    SELECT l.seq, l.timezone INTO v_found FROM erp._sequence_lookup(p_tenant_id, p_code) AS l;
    IF NOT FOUND THEN
        PERFORM erp._sequence_missing(p_tenant_id, p_code);
    END IF;
    v_seq := v_found.seq;
    v_tz := v_found.timezone;
    IF p_document_date IS NULL THEN
        v_date := (now() AT TIME ZONE v_tz)::date;
    ELSE
        v_date := erp._sequence_date(p_document_date, v_tz);
    END IF;
    -- called as an expression, not in FROM: no executor for the call itself
    v_number := erp._sequence_allocate(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_seq, v_date, NULL);
    allocated_value := v_number.allocated_value;
    next_value := v_number.next_value;
    formatted := v_number.formatted;
    period_key := v_number.period_key;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION erp.sequence_next(uuid, uuid, text, text, text, date) IS
    'Allocates the next gapless number (audited); the counter row stays locked until commit.';
REVOKE ALL ON FUNCTION erp.sequence_next(uuid, uuid, text, text, text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_next(uuid, uuid, text, text, text, date) TO erp_app, erp_admin;
