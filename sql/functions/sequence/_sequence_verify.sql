-- audit_verify's numbering check: per (sequence, period), the allocated events must be
-- exactly start, start+step, ..., next_value - step, each once.
CREATE OR REPLACE FUNCTION erp._sequence_verify(p_tenant_id uuid)
RETURNS TABLE (entity_type text, entity_id uuid, problem text, detail jsonb)
LANGUAGE sql STABLE
AS $fn$
    WITH issued AS (
        SELECT e.entity_id, e.payload ->> 'period_key' AS period_key,
            count(*) AS n, count(DISTINCT (e.payload ->> 'allocated_value')::bigint) AS n_distinct,
            min((e.payload ->> 'allocated_value')::bigint) AS lo,
            max((e.payload ->> 'allocated_value')::bigint) AS hi
        FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND e.entity_type = 'erp.base.sequence'
            AND e.event_type = 'erp.base.sequence.allocated'
        GROUP BY 1, 2
    )
    SELECT 'erp.base.sequence', coalesce(c.sequence_id, i.entity_id), 'sequence_gap',
        jsonb_build_object('period_key', coalesce(c.period_key, i.period_key),
            'start_value', c.start_value, 'step', c.step, 'next_value', c.next_value,
            'events', i.n, 'distinct_values', i.n_distinct, 'min', i.lo, 'max', i.hi)
    FROM (SELECT * FROM erp.erp_sequence_counters AS c0 WHERE c0.tenant_id = p_tenant_id) AS c
    FULL JOIN issued AS i ON i.entity_id = c.sequence_id AND i.period_key = c.period_key
    WHERE c.sequence_id IS NULL OR i.entity_id IS NULL
        OR i.n <> i.n_distinct
        OR i.n <> (c.next_value - c.start_value) / c.step
        OR i.lo <> c.start_value
        OR i.hi <> c.next_value - c.step
        OR (i.hi - i.lo) % c.step <> 0
$fn$;
COMMENT ON FUNCTION erp._sequence_verify(uuid) IS
    'One row per sequence period whose allocated events are not a gapless run from the start.';
