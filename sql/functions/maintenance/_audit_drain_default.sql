-- Empties the default partition of the audit trail: detaches it (a moment of ACCESS EXCLUSIVE
-- on the trail), creates the months its events belong to, re-inserts the events through the
-- parent (ids, transaction ids and writers kept; INSERT only, no row is updated or deleted),
-- drops the detached table and attaches a new, empty, protected default partition.
CREATE OR REPLACE FUNCTION erp._audit_drain_default()
RETURNS TABLE (partition text, action text)
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_month date;
    v_moved bigint;
BEGIN
    ALTER TABLE erp.erp_audit_events DETACH PARTITION erp.erp_audit_events_default;
    -- detached, the old default is a plain table of the same name until it is dropped below
    FOR v_month IN
        SELECT DISTINCT erp._audit_month(d.id) FROM erp.erp_audit_events_default AS d ORDER BY 1
    LOOP
        IF NOT EXISTS (
            SELECT 1 FROM erp._audit_partition_list() AS p
            WHERE erp._audit_bound(v_month) >= coalesce(p.lo, erp._audit_bound(v_month))
                AND erp._audit_bound(v_month) < p.hi
        ) THEN
            partition := erp._audit_create_partition(v_month);
            action := 'created';
            RETURN NEXT;
        END IF;
    END LOOP;
    INSERT INTO erp.erp_audit_events SELECT d.* FROM erp.erp_audit_events_default AS d;
    GET DIAGNOSTICS v_moved = ROW_COUNT;
    DROP TABLE erp.erp_audit_events_default;
    CREATE TABLE erp.erp_audit_events_default (LIKE erp.erp_audit_events INCLUDING DEFAULTS
        INCLUDING CONSTRAINTS INCLUDING INDEXES);
    PERFORM erp._audit_protect('erp.erp_audit_events_default'::regclass);
    COMMENT ON TABLE erp.erp_audit_events_default IS
        'Events outside every monthly partition; kept empty by erp.audit_maintain().';
    ALTER TABLE erp.erp_audit_events ATTACH PARTITION erp.erp_audit_events_default DEFAULT;
    partition := 'erp.erp_audit_events_default';
    action := pg_catalog.format('drained (%s events moved)', v_moved);
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION erp._audit_drain_default() IS
    'Moves the events of the default audit partition into their months (INSERT only) and replaces it with an empty one.';
