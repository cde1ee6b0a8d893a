-- Allocates the next number of a sequence for a document date, gaplessly: one
-- INSERT ... ON CONFLICT DO UPDATE ... RETURNING on the (tenant, sequence, period) counter row.
-- The row stays locked until the caller's transaction ends, so a rollback gives the number
-- back and nobody else can take it meanwhile. Everything that can be computed before the
-- lock is computed before it; while it is held only the audit event is written, in the same
-- statement (and, for the first number of a period only, the definition is re-checked:
-- erp._sequence_recheck). Like sequence_next_batch, it writes its event in its own statement
-- rather than through erp._audit_append, to keep the locked window to one statement.
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
    v_tenant erp.erp_tenants := erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    v_seq erp.erp_sequences := erp._sequence_find(p_tenant_id, p_code);
    v_date date := erp._sequence_date(p_document_date, v_tenant.timezone);
    v_period text := erp._sequence_period(v_seq.reset, v_date);
    v_prefix text := erp._sequence_expand(v_seq.prefix, v_date);
    v_suffix text := erp._sequence_expand(v_seq.suffix, v_date);
    v_start bigint;
BEGIN
    -- The counter update and its audit event are one statement: the row lock is taken as
    -- late as possible and nothing but this statement's remainder and the caller's COMMIT
    -- runs while it is held.
    WITH counter AS (
        INSERT INTO erp.erp_sequence_counters AS c
            (tenant_id, sequence_id, period_key, start_value, step, next_value)
        VALUES (p_tenant_id, v_seq.id, v_period, v_seq.start_value, v_seq.step,
            v_seq.start_value + v_seq.step)
        ON CONFLICT ON CONSTRAINT erp_sequence_counters_pkey
        DO UPDATE SET next_value = c.next_value + c.step
        RETURNING c.next_value - c.step AS allocated, c.next_value AS next, c.start_value AS first,
            v_prefix || erp._sequence_pad(c.next_value - c.step, v_seq.padding) || v_suffix AS text
    ),
    event AS (
        INSERT INTO erp.erp_audit_events (
            tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
            trace_id, payload, entity_version, changes, created_at
        )
        SELECT p_tenant_id, erp.uuid_v7(), p_actor_user_id, p_actor_type, 'erp.base.sequence',
            v_seq.id, 'erp.base.sequence.allocated', p_trace_id,
            jsonb_build_object('allocated_value', counter.allocated, 'formatted', counter.text,
                'period_key', v_period, 'document_date', v_date, 'code', v_seq.code),
            NULL, NULL, clock_timestamp()
        FROM counter
    )
    SELECT counter.allocated, counter.next, counter.text, counter.first
    INTO allocated_value, next_value, formatted, v_start
    FROM counter;

    IF allocated_value = v_start THEN  -- this call created the period's counter row
        PERFORM erp._sequence_recheck(v_seq);
    END IF;
    period_key := v_period;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION erp.sequence_next(uuid, uuid, text, text, text, date) IS
    'Allocates the next gapless number (audited); the counter row stays locked until commit.';
REVOKE ALL ON FUNCTION erp.sequence_next(uuid, uuid, text, text, text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_next(uuid, uuid, text, text, text, date) TO erp_app, erp_admin;
