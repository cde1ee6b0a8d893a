-- The allocation itself, shared by erp.sequence_next and numbers at commit: one
-- INSERT ... ON CONFLICT DO UPDATE ... RETURNING on the (tenant, sequence, period) counter row,
-- with its audit event in the same statement, so the row lock is taken as late as possible and
-- only this statement's remainder and the caller's COMMIT run while it is held. p_document
-- (NULL, or the document a number at commit is for) goes into the event's payload.
-- For the first number of a period, erp._sequence_recheck runs too.
CREATE OR REPLACE FUNCTION erp._sequence_allocate(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_seq erp.erp_sequences,
    p_date date,
    p_document jsonb,
    OUT allocated_value bigint,
    OUT next_value bigint,
    OUT formatted text,
    OUT period_key text
)
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_period text := erp._sequence_period(p_seq.reset, p_date);
    v_prefix text := erp._sequence_expand(p_seq.prefix, p_date);
    v_suffix text := erp._sequence_expand(p_seq.suffix, p_date);
    v_start bigint;
BEGIN
    WITH counter AS (
        INSERT INTO erp.erp_sequence_counters AS c
            (tenant_id, sequence_id, period_key, start_value, step, next_value)
        VALUES (p_tenant_id, p_seq.id, v_period, p_seq.start_value, p_seq.step, p_seq.start_value + p_seq.step)
        ON CONFLICT ON CONSTRAINT erp_sequence_counters_pkey
        DO UPDATE SET next_value = c.next_value + c.step
        RETURNING c.next_value - c.step AS allocated, c.next_value AS next, c.start_value AS first,
            v_prefix || erp._sequence_pad(c.next_value - c.step, p_seq.padding) || v_suffix AS text
    ),
    event AS (
        INSERT INTO erp.erp_audit_events (
            tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
            trace_id, payload, entity_version, changes, created_at
        )
        SELECT p_tenant_id, erp._uuid_v7_at(n.at), p_actor_user_id, p_actor_type, 'erp.base.sequence',
            p_seq.id, 'erp.base.sequence.allocated', p_trace_id,
            jsonb_build_object('allocated_value', counter.allocated, 'formatted', counter.text,
                'period_key', v_period, 'document_date', p_date, 'code', p_seq.code)
            || coalesce(p_document, '{}'::jsonb),
            NULL, NULL, n.at
        FROM counter CROSS JOIN (SELECT clock_timestamp() AS at) AS n
    )
    SELECT counter.allocated, counter.next, counter.text, counter.first
    INTO allocated_value, next_value, formatted, v_start
    FROM counter;
    IF allocated_value = v_start THEN  -- this call created the period's counter row
        PERFORM erp._sequence_recheck(p_seq, v_period);
    END IF;
    period_key := v_period;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_allocate(uuid, uuid, text, text, erp.erp_sequences, date, jsonb) IS
    'Allocates the next number of a sequence period with its audit event in one statement (gapless; locked to commit).';
