-- audit_verify's numbering check: per (sequence, period), the allocated events must be
-- exactly start, start+step, ..., next_value - step, each once. With n events that are all
-- distinct, all on the step grid from the start value, lowest = start, highest =
-- next_value - step and n = (next_value - start) / step, they are exactly that run. After a
-- purge (p_boundary: the end of the last purged month) the run may begin later: the numbers
-- before it were allocated in the purged months.
-- And per sequence, a formatted number printed by more than one allocated event:
-- repeated_number (the ledger refuses a repeat since 0.3.0; an older release could issue one
-- after a change of prefix).
CREATE OR REPLACE FUNCTION erp._sequence_verify(p_tenant_id uuid, p_boundary timestamptz)
RETURNS TABLE (entity_type text, entity_id uuid, problem text, detail jsonb)
LANGUAGE sql STABLE
AS $fn$
    WITH counters AS (
        SELECT c0.sequence_id, c0.period_key, c0.start_value, c0.step, c0.next_value
        FROM erp.erp_sequence_counters AS c0
        WHERE c0.tenant_id = p_tenant_id
    ),
    allocated AS (
        SELECT e.entity_id, e.payload ->> 'period_key' AS period_key,
            (e.payload ->> 'allocated_value')::bigint AS v, e.payload ->> 'formatted' AS f
        FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = p_tenant_id AND e.entity_type = 'erp.base.sequence'
            AND e.event_type = 'erp.base.sequence.allocated'
    ),
    issued AS (
        SELECT a.entity_id, a.period_key,
            count(*) AS n, count(DISTINCT a.v) AS n_distinct, min(a.v) AS lo, max(a.v) AS hi,
            count(*) FILTER (WHERE (a.v - k.start_value) % k.step <> 0) AS off_step
        FROM allocated AS a
        LEFT JOIN counters AS k ON k.sequence_id = a.entity_id AND k.period_key = a.period_key
        GROUP BY a.entity_id, a.period_key
    )
    SELECT 'erp.base.sequence', coalesce(c.sequence_id, i.entity_id), 'sequence_gap',
        jsonb_build_object('period_key', coalesce(c.period_key, i.period_key),
            'start_value', c.start_value, 'step', c.step, 'next_value', c.next_value,
            'events', i.n, 'distinct_values', i.n_distinct, 'min', i.lo, 'max', i.hi,
            'off_step', i.off_step)
    FROM counters AS c
    FULL JOIN issued AS i ON i.entity_id = c.sequence_id AND i.period_key = c.period_key
    WHERE (c.sequence_id IS NULL OR i.entity_id IS NULL) AND NOT (i.entity_id IS NULL AND p_boundary IS NOT NULL)
        OR i.n <> i.n_distinct
        OR i.off_step <> 0
        OR (c.next_value - c.start_value) % c.step <> 0
        OR i.n <> (i.hi - i.lo) / c.step + 1
        OR (i.lo <> c.start_value AND p_boundary IS NULL)
        OR i.hi <> c.next_value - c.step
    UNION ALL
    SELECT 'erp.base.sequence', a.entity_id, 'repeated_number',
        jsonb_build_object('formatted', a.f, 'times', count(*),
            'periods', jsonb_agg(DISTINCT a.period_key), 'values', jsonb_agg(DISTINCT a.v))
    FROM allocated AS a
    GROUP BY a.entity_id, a.f
    HAVING count(*) > 1
$fn$;
COMMENT ON FUNCTION erp._sequence_verify(uuid, timestamptz) IS
    'One row per sequence period whose allocated events are not a gapless run from the start, and per '
    'formatted number issued more than once.';
