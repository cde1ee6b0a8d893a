-- Serialises changes of parent_id within a tenant (transaction-scoped advisory lock), so the
-- cycle check of one re-parenting sees every earlier one. Taken before any row lock.
CREATE OR REPLACE FUNCTION erp._partner_tree_lock(p_tenant_id uuid) RETURNS void
LANGUAGE sql
AS $fn$
    SELECT pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtextextended('erp.base.partner.parent_id:' || p_tenant_id::text, 0))
$fn$;
COMMENT ON FUNCTION erp._partner_tree_lock(uuid) IS
    'Advisory transaction lock serialising re-parenting of partners in one tenant.';
