-- Keeps the audit trail's partitions ahead of time and the default partition empty; every
-- migrate and bundle run calls it, and a monthly job should (pg_cron, or
-- `python -m harness audit maintain`). Idempotent; two runs at once queue on one row lock
-- and the second finds nothing to do. Returns what it did:
--   created    the partition of a month from the current one to p_months_ahead ahead
--   drained    the default partition held events (an import, a stopped job): it was detached,
--              their months were created with the events copied in before each was attached
--              (ids kept; INSERT only; not published again) and the old default dropped; a
--              new default replaces it
--   kept ...   an event in the default partition that no partition can hold (an id beyond the
--              last representable bound, year 10889): named (also as a WARNING) and left there;
--              the rest of the maintenance goes on (at most 20 such events are named)
--   protected  a partition lacked its TRUNCATE trigger or row-level security (not inherited)
-- Bounds are UTC months whatever the session's TimeZone.
CREATE OR REPLACE FUNCTION erp.audit_maintain(p_months_ahead bigint DEFAULT 3)
RETURNS TABLE (partition text, action text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET "TimeZone" = 'UTC'
AS $fn$
DECLARE
    v_this_month date := date_trunc('month', pg_catalog.now())::date;
    v_month date;
    v_part regclass;
    v_event record;
BEGIN
    IF p_months_ahead IS NULL OR p_months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'p_months_ahead must be between 0 and 120, not %', coalesce(p_months_ahead::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    -- one maintenance at a time (a row lock: nothing an application path ever waits for)
    PERFORM 1 FROM erp_meta.audit_settings FOR UPDATE;

    IF EXISTS (
        SELECT 1 FROM erp.erp_audit_events_default AS d
        WHERE d.id < erp._audit_bound((erp._audit_month(d.id) + interval '1 month')::date)
    ) THEN
        RETURN QUERY SELECT * FROM erp._audit_drain_default();
    END IF;
    -- an event no partition can hold stays in the default partition: named, and the rest goes on
    FOR v_event IN
        SELECT d.id, d.tenant_id, d.event_type FROM erp.erp_audit_events_default AS d ORDER BY d.id LIMIT 20
    LOOP
        RAISE WARNING 'audit event % (tenant %, %) stays in the default partition: its id is beyond the last partition bound',
            v_event.id, v_event.tenant_id, erp._clip(v_event.event_type, 60)
            USING HINT = 'Its first 48 bits are not a millisecond time any month can hold; it is kept, never changed.';
        partition := 'erp.erp_audit_events_default';
        action := pg_catalog.format('kept event %s (tenant %s, %s): id beyond the last partition bound',
            v_event.id, v_event.tenant_id, erp._clip(v_event.event_type, 60));
        RETURN NEXT;
    END LOOP;

    FOR v_month IN
        SELECT (v_this_month + pg_catalog.make_interval(months => g.i::integer))::date
        FROM pg_catalog.generate_series(0, p_months_ahead) AS g (i)
    LOOP
        IF NOT EXISTS (
            SELECT 1 FROM erp._audit_partition_list() AS p
            WHERE NOT p.is_default AND erp._audit_bound(v_month) >= coalesce(p.lo, erp._audit_bound(v_month))
                AND erp._audit_bound(v_month) < p.hi
        ) THEN
            partition := erp._audit_create_partition(v_month);
            action := 'created';
            RETURN NEXT;
        END IF;
    END LOOP;

    FOR v_part IN SELECT p.partition FROM erp._audit_partition_list() AS p ORDER BY p.partition::text LOOP
        IF erp._audit_protect(v_part) THEN
            partition := v_part::text;
            action := 'protected';
            RETURN NEXT;
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp.audit_maintain(bigint) IS
    'Creates the audit partitions of the coming months, empties the default partition, protects every partition; idempotent.';
REVOKE ALL ON FUNCTION erp.audit_maintain(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_maintain(bigint) TO erp_admin;
