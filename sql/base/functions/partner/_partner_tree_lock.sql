-- Serialises changes of parent_id within a tenant, so the cycle check of one re-parenting sees
-- every earlier one: a row lock on the tenant row, taken before any other row lock. FOR NO KEY
-- UPDATE does not conflict with the KEY SHARE locks of foreign-key checks, so it blocks no
-- other write; and unlike an advisory lock (which any login may take), only the project's
-- functions can lock a row of a private table. PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE FUNCTION erp._partner_tree_lock(p_tenant_id uuid) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id FOR NO KEY UPDATE;
END
$fn$;
COMMENT ON FUNCTION erp._partner_tree_lock(uuid) IS
    'Row lock on the tenant serialising re-parenting of partners in one tenant.';
