-- Empties the default partition of the audit trail: detaches it (a moment of ACCESS EXCLUSIVE
-- on the trail), creates the months its events belong to with their events copied in before
-- each month is attached (erp._audit_create_partition's p_from: ids, transaction ids and
-- writers kept; INSERT only, no row is updated or deleted), and replaces it with a new,
-- protected default partition. No event goes through the trail again: the publication
-- erp_audit already sent each of them once, when it landed in the default partition.
-- Events no partition can hold (an id at or beyond the last representable bound, year 10889)
-- are copied into the new default partition, where erp.audit_maintain names them.
CREATE OR REPLACE FUNCTION erp._audit_drain_default()
RETURNS TABLE (partition text, action text)
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_month date;
    v_moved bigint;
    v_kept erp.erp_audit_events[];
BEGIN
    ALTER TABLE erp.erp_audit_events DETACH PARTITION erp.erp_audit_events_default;
    -- detached, the old default is a plain table of the same name until it is dropped below;
    -- its rows are exactly those whose month had no partition
    FOR v_month IN
        SELECT DISTINCT erp._audit_month(d.id) FROM erp.erp_audit_events_default AS d
        WHERE d.id < erp._audit_bound((erp._audit_month(d.id) + interval '1 month')::date)
        ORDER BY 1
    LOOP
        partition := erp._audit_create_partition(v_month, 'erp.erp_audit_events_default'::regclass);
        action := 'created';
        RETURN NEXT;
    END LOOP;
    -- the events no partition can hold, kept aside while the old default is replaced (few:
    -- erp.audit_maintain drains only when some event can be moved)
    v_kept := ARRAY(
        SELECT ROW(d.*)::erp.erp_audit_events FROM erp.erp_audit_events_default AS d
        WHERE d.id >= erp._audit_bound((erp._audit_month(d.id) + interval '1 month')::date)
        ORDER BY d.id
    );
    SELECT count(*) - pg_catalog.cardinality(v_kept) INTO v_moved FROM erp.erp_audit_events_default;
    DROP TABLE erp.erp_audit_events_default;
    CREATE TABLE erp.erp_audit_events_default (LIKE erp.erp_audit_events INCLUDING DEFAULTS
        INCLUDING CONSTRAINTS INCLUDING INDEXES);
    INSERT INTO erp.erp_audit_events_default SELECT k.* FROM pg_catalog.unnest(v_kept) AS k;
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
    'Moves the events of the default audit partition into their months (INSERT only, unpublished) and replaces it.';
