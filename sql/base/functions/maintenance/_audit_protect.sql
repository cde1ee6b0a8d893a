-- Gives one partition of the audit trail the protection its parent has but partitions do not
-- inherit: a BEFORE TRUNCATE statement trigger (ENABLE ALWAYS) and forced row-level security
-- with the owner's policy. The row trigger against UPDATE/DELETE is cloned from the parent.
-- Returns whether anything was missing.
CREATE OR REPLACE FUNCTION erp._audit_protect(p_partition regclass) RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_name text := (SELECT c.relname::text FROM pg_catalog.pg_class AS c WHERE c.oid = p_partition);
    v_fixed boolean := false;
BEGIN
    -- the names are built from catalog names with %I; only the owner runs this; it runs DDL, so
    -- plpgsql_check cannot tell its volatility from the dynamic SQL
    -- @plpgsql_check_options: security_warnings = false, performance_warnings = false
    IF NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_trigger AS t
        WHERE t.tgrelid = p_partition AND t.tgname = v_name || '_no_truncate' AND t.tgenabled = 'A'
    ) THEN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger AS t
            WHERE t.tgrelid = p_partition AND t.tgname = v_name || '_no_truncate') THEN
            EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', v_name || '_no_truncate', p_partition);
        END IF;
        EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT '
            'EXECUTE FUNCTION erp._audit_reject_change()', v_name || '_no_truncate', p_partition);
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', p_partition, v_name || '_no_truncate');
        v_fixed := true;
    END IF;
    IF NOT (SELECT c.relrowsecurity AND c.relforcerowsecurity FROM pg_catalog.pg_class AS c WHERE c.oid = p_partition) THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_partition);
        EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_partition);
        v_fixed := true;
    END IF;
    -- the owner's policy: any policy but the subscribers' read policy (its name predates this)
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy AS p
        WHERE p.polrelid = p_partition AND p.polname <> v_name || '_replicator') THEN
        EXECUTE pg_catalog.format('CREATE POLICY %I ON %s TO erp_owner USING (true) WITH CHECK (true)',
            v_name || '_owner', p_partition);
        v_fixed := true;
    END IF;
    -- subscribers read every partition (a separate helper, see _audit_replicator_policy.sql)
    v_fixed := erp._audit_replicator_policy(p_partition) OR v_fixed;
    RETURN v_fixed;
END
$fn$;
COMMENT ON FUNCTION erp._audit_protect(regclass) IS
    'Adds the TRUNCATE trigger (ENABLE ALWAYS) and forced row-level security an audit partition does not inherit.';
