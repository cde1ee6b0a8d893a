-- Keeps the audit trail's partitions ahead of time and the default partition empty; every
-- migrate and bundle run calls it, and a monthly job should (pg_cron, or
-- `python -m harness audit maintain`). Idempotent; two runs at once queue on one row lock
-- and the second finds nothing to do. Returns what it did:
--   created    the partition of a month from the current one to p_months_ahead ahead
--   drained    the default partition held events (an import, a stopped job): it was detached,
--              their months were created, the events re-inserted (ids kept; INSERT only) and
--              the old default dropped; a new, empty default replaces it
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
BEGIN
    IF p_months_ahead IS NULL OR p_months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'p_months_ahead must be between 0 and 120, not %', coalesce(p_months_ahead::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    -- one maintenance at a time (a row lock: nothing an application path ever waits for)
    PERFORM 1 FROM erp_meta.audit_settings FOR UPDATE;

    IF EXISTS (SELECT 1 FROM erp.erp_audit_events_default) THEN
        RETURN QUERY SELECT * FROM erp._audit_drain_default();
    END IF;

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
