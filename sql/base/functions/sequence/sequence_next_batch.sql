-- Allocates p_count contiguous numbers in one statement (bulk imports): one counter update,
-- one row and one allocated event per number. The block is contiguous because a single
-- counter update moves next_value by p_count * step while holding the row lock. The numbers
-- go into the ledger erp.erp_sequence_numbers with their events: ZE009 for one issued before.
CREATE OR REPLACE FUNCTION erp.sequence_next_batch(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_count bigint,
    p_document_date date DEFAULT NULL
) RETURNS TABLE (allocated_value bigint, next_value bigint, formatted text, period_key text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_seq erp.erp_sequences;
    v_found record;
    v_date date;
    v_period text;
    v_prefix text;
    v_suffix text;
    v_first bigint;
    v_step bigint;
    v_start bigint;
    v_repeat record;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_found := erp._sequence_find(p_tenant_id, p_code, p_document_date);
    v_seq := v_found.seq;
    v_date := v_found.document_date;
    v_period := erp._sequence_period(v_seq.reset, v_date);
    v_prefix := erp._sequence_expand(v_seq.prefix, v_date);
    v_suffix := erp._sequence_expand(v_seq.suffix, v_date);
    IF p_count IS NULL OR p_count < 1 OR p_count > 10000 THEN
        RAISE EXCEPTION 'p_count must be between 1 and 10000, not %', coalesce(p_count::text, 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'Allocate larger blocks in several calls.';
    END IF;

    INSERT INTO erp.erp_sequence_counters AS c
        (tenant_id, sequence_id, period_key, start_value, step, next_value)
    VALUES (p_tenant_id, v_seq.id, v_period, v_seq.start_value, v_seq.step,
        v_seq.start_value + p_count * v_seq.step)
    ON CONFLICT ON CONSTRAINT erp_sequence_counters_pkey
    DO UPDATE SET next_value = c.next_value + p_count * c.step
    RETURNING c.next_value - p_count * c.step, c.step, c.start_value INTO v_first, v_step, v_start;

    IF v_first = v_start THEN  -- this call created the period's counter row
        PERFORM erp._sequence_recheck(v_seq, v_period);
    END IF;

    WITH numbers AS (
        SELECT v_first + (g.i - 1) * v_step AS n,
            v_prefix || erp._sequence_pad(v_first + (g.i - 1) * v_step, v_seq.padding) || v_suffix AS f
        FROM generate_series(1, p_count) AS g (i)
    ),
    ledger AS (
        INSERT INTO erp.erp_sequence_numbers AS l (tenant_id, sequence_id, formatted)
        SELECT p_tenant_id, v_seq.id, numbers.f FROM numbers
        ON CONFLICT ON CONSTRAINT erp_sequence_numbers_pkey DO NOTHING
        RETURNING l.formatted
    ),
    ev AS (
        INSERT INTO erp.erp_audit_events (
            tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
            trace_id, payload, entity_version, changes, created_at
        )
        SELECT p_tenant_id, erp._uuid_v7_at(x.at), p_actor_user_id, p_actor_type, 'erp.base.sequence',
            v_seq.id, 'erp.base.sequence.allocated', p_trace_id,
            jsonb_build_object('allocated_value', x.n, 'formatted', x.f,
                'period_key', v_period, 'document_date', v_date, 'code', v_seq.code),
            NULL, NULL, x.at
        FROM (SELECT numbers.*, clock_timestamp() AS at FROM numbers) AS x
    )
    SELECT numbers.n, numbers.f INTO v_repeat FROM numbers
    WHERE numbers.f NOT IN (SELECT ledger.formatted FROM ledger)
    ORDER BY numbers.n LIMIT 1;
    IF FOUND THEN  -- a number of the block was issued before
        PERFORM erp._sequence_repeat(v_seq, v_repeat.f, v_repeat.n, v_period);
    END IF;

    RETURN QUERY
    SELECT v_first + (g.i - 1) * v_step, v_first + g.i * v_step,
        v_prefix || erp._sequence_pad(v_first + (g.i - 1) * v_step, v_seq.padding) || v_suffix, v_period
    FROM generate_series(1, p_count) AS g (i)
    ORDER BY g.i;
END
$fn$;
COMMENT ON FUNCTION erp.sequence_next_batch(uuid, uuid, text, text, text, bigint, date) IS
    'Allocates p_count contiguous numbers in one statement (audited, one event per number).';
REVOKE ALL ON FUNCTION erp.sequence_next_batch(uuid, uuid, text, text, text, bigint, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_next_batch(uuid, uuid, text, text, text, bigint, date)
TO erp_app, erp_admin;
