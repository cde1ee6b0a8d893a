-- Subscribers: a least-privilege group role for the logins that stream the trail. A
-- subscription's initial copy reads the table through row-level security, which is forced on
-- the trail and every partition with a policy for erp_owner only: without a policy of its own
-- a copying login sees no row and only new events arrive. erp_replicator gets SELECT and a
-- read policy on the trail and on every partition (erp._audit_protect adds both to partitions
-- made later). Its members are LOGIN REPLICATION roles, never superusers or BYPASSRLS.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';

DO $roles$
BEGIN
    -- roles are cluster-wide: create it only once
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'erp_replicator') THEN
        CREATE ROLE erp_replicator NOLOGIN;
        COMMENT ON ROLE erp_replicator IS
            'erp.base: subscribers of the publication erp_audit; may read the audit trail only';
    END IF;
END
$roles$;

SET LOCAL ROLE erp_owner;
GRANT USAGE ON SCHEMA erp TO erp_replicator;

DO $policies$
DECLARE
    v_table regclass;
BEGIN
    FOR v_table IN
        SELECT 'erp.erp_audit_events'::regclass
        UNION ALL
        SELECT i.inhrelid::regclass FROM pg_catalog.pg_inherits AS i
        WHERE i.inhparent = 'erp.erp_audit_events'::regclass
    LOOP
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO erp_replicator', v_table);
        EXECUTE pg_catalog.format(
            'CREATE POLICY %I ON %s FOR SELECT TO erp_replicator USING (true)',
            (SELECT c.relname || '_replicator' FROM pg_catalog.pg_class AS c WHERE c.oid = v_table),
            v_table
        );
    END LOOP;
END
$policies$;
