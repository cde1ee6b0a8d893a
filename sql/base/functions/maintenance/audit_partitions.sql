-- The partitions of the audit trail, oldest first: the UTC month each holds (the first month
-- with events for the legacy partition; NULL for the default partition), its events, its size
-- on disk, when its month was last archived, and whether erp.audit_purge would drop it now.
-- Counting and the purge check read the partitions: seconds for tens of millions of events.
CREATE OR REPLACE FUNCTION erp.audit_partitions()
RETURNS TABLE (partition text, month date, events bigint, bytes bigint, archived_at timestamptz, purgeable boolean)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET "TimeZone" = 'UTC'
AS $fn$
DECLARE
    v_part record;
    v_month date;
BEGIN
    -- the partition's name comes from the catalog (regclass); it reads only
    -- @plpgsql_check_options: security_warnings = false
    FOR v_part IN SELECT p.* FROM erp._audit_partition_list() AS p ORDER BY p.is_default, p.lo NULLS FIRST LOOP
        partition := v_part.partition::text;
        EXECUTE format('SELECT count(*) FROM %s', v_part.partition) INTO events;
        v_month := CASE WHEN v_part.is_default THEN NULL
            WHEN v_part.lo IS NOT NULL THEN erp._audit_month(v_part.lo)
            ELSE erp._audit_month(
                (SELECT e.id FROM erp.erp_audit_events AS e WHERE e.id < v_part.hi ORDER BY e.id LIMIT 1)) END;
        bytes := pg_total_relation_size(v_part.partition);
        month := v_month;
        archived_at := (SELECT max(a.archived_at) FROM erp_meta.audit_archives AS a WHERE a.month = v_month);
        purgeable := erp._audit_purge_blocker(v_part.lo, v_part.hi) IS NULL;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp.audit_partitions() IS
    'Partitions of the audit trail: month, events, bytes, last archive, and whether they may be purged now.';
REVOKE ALL ON FUNCTION erp.audit_partitions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_partitions() TO erp_auditor, erp_admin;
