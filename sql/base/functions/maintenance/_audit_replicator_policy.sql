-- Lets erp_replicator read one table of the audit trail (the parent or a partition): SELECT and
-- a read policy of its own, since row-level security is forced and the owner's policy applies
-- to the owner only. A subscription's initial copy reads the history through it. Called for
-- the trail and every partition by migration 0013 and for each new partition by
-- erp._audit_protect. Returns whether anything was missing.
CREATE OR REPLACE FUNCTION erp._audit_replicator_policy(p_table regclass) RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_name text := (SELECT c.relname::text FROM pg_catalog.pg_class AS c WHERE c.oid = p_table);
    v_fixed boolean := false;
BEGIN
    -- DDL on a table named from the catalog (regclass, %I); only the owner runs this
    -- @plpgsql_check_options: security_warnings = false, performance_warnings = false
    IF NOT pg_catalog.has_table_privilege('erp_replicator', p_table, 'SELECT') THEN
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO erp_replicator', p_table);
        v_fixed := true;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_policy AS p
        WHERE p.polrelid = p_table AND p.polname = v_name || '_replicator'
    ) THEN
        EXECUTE pg_catalog.format('CREATE POLICY %I ON %s FOR SELECT TO erp_replicator USING (true)',
            v_name || '_replicator', p_table);
        v_fixed := true;
    END IF;
    RETURN v_fixed;
END
$fn$;
COMMENT ON FUNCTION erp._audit_replicator_policy(regclass) IS
    'Grants erp_replicator SELECT and a read policy on one audit table (trail or partition).';
REVOKE ALL ON FUNCTION erp._audit_replicator_policy(regclass) FROM PUBLIC;
