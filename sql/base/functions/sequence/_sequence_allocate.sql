-- The allocation itself, shared by erp.sequence_next and numbers at commit: one
-- INSERT ... ON CONFLICT DO UPDATE ... RETURNING on the (tenant, sequence, period) counter row,
-- with its audit event in the same statement, so the row lock is taken as late as possible and
-- only this statement's remainder and the caller's COMMIT run while it is held. p_document
-- (NULL, or the document a number at commit is for) goes into the event's payload.
-- The same statement writes the formatted number into the ledger erp.erp_sequence_numbers
-- (ON CONFLICT DO NOTHING, no subtransaction): a number the sequence issued before is ZE009,
-- so no printed number repeats whatever happened to the format. The ledger row of a number
-- that another open transaction is issuing makes this statement wait for that transaction
-- (only a format that prints one number in two periods can get there).
-- For the first number of a period, erp._sequence_recheck runs too. No lock is taken on the
-- sequence row: a definition change holding it never waits for an allocation that waits for
-- it (the deadlock of a change and an allocation in one transaction against a first number).
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
    v_new boolean;
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
    ledger AS (
        INSERT INTO erp.erp_sequence_numbers AS l (tenant_id, sequence_id, formatted)
        SELECT p_tenant_id, p_seq.id, counter.text FROM counter
        ON CONFLICT ON CONSTRAINT erp_sequence_numbers_pkey DO NOTHING
        RETURNING l.formatted
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
    SELECT counter.allocated, counter.next, counter.text, counter.first, EXISTS (SELECT FROM ledger)
    INTO allocated_value, next_value, formatted, v_start, v_new
    FROM counter;
    IF NOT v_new THEN
        PERFORM erp._sequence_repeat(p_seq, formatted, allocated_value, v_period);
    END IF;
    IF allocated_value = v_start THEN  -- this call created the period's counter row
        PERFORM erp._sequence_recheck(p_seq, v_period);
    END IF;
    period_key := v_period;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_allocate(uuid, uuid, text, text, erp.erp_sequences, date, jsonb) IS
    'Allocates the next number of a sequence period with its audit event and ledger row in one statement '
    '(gapless; locked to commit; ZE009 for a number issued before).';
