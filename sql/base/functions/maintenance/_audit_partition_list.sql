-- The partitions of the audit trail with their bounds, read from the catalog: lo is NULL for
-- MINVALUE (the legacy partition), both are NULL for the default partition.
CREATE OR REPLACE FUNCTION erp._audit_partition_list()
RETURNS TABLE (partition regclass, lo uuid, hi uuid, is_default boolean)
LANGUAGE sql STABLE
AS $fn$
    SELECT c.oid::regclass,
        (pg_catalog.regexp_match(b.def, 'FROM \(''([0-9a-f-]+)''\)'))[1]::uuid,
        (pg_catalog.regexp_match(b.def, 'TO \(''([0-9a-f-]+)''\)'))[1]::uuid,
        b.def = 'DEFAULT'
    FROM pg_catalog.pg_inherits AS i
    INNER JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (SELECT pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS def) AS b
    WHERE i.inhparent = 'erp.erp_audit_events'::regclass
$fn$;
COMMENT ON FUNCTION erp._audit_partition_list() IS
    'Partitions of erp.erp_audit_events with their id bounds (lo NULL: MINVALUE; default: both NULL).';
