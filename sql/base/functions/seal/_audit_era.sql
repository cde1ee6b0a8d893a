-- The era of an event id: the number of recorded restores (erp_meta.audit_eras) whose
-- boundary lies before it; 0 before the first restore. Feed positions and seal blocks order
-- events by (era, xact_id, id): transaction ids are comparable only within an era. PL/pgSQL
-- (a SQL function that reads a table is never inlined); called per event only once a restore
-- was recorded, and never on a write path.
CREATE OR REPLACE FUNCTION erp._audit_era(p_id uuid) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $fn$
BEGIN
    RETURN (SELECT pg_catalog.count(*)::integer FROM erp_meta.audit_eras AS r WHERE r.after_id < p_id);
END
$fn$;
COMMENT ON FUNCTION erp._audit_era(uuid) IS
    'The era of an event id (recorded restores before it); 0 before any restore.';
