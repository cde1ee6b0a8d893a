-- Serialises the changes of a tenant's trees (re-parenting of partners and of stock locations)
-- and its one-time setups (erp.inventory_setup): a row lock on the tenant row, taken before any
-- other row lock, so a cycle check sees every earlier move and two setups do not both create
-- the defaults. FOR NO KEY UPDATE does not conflict with the KEY SHARE locks of foreign-key
-- checks, so it blocks no other write; and unlike an advisory lock (which any login may take),
-- only the project's functions can lock a row of a private table. An entity names it as its
-- tree_lock in erp_meta.entity_types. PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE FUNCTION erp._tenant_lock(p_tenant_id uuid) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id FOR NO KEY UPDATE;
END
$fn$;
COMMENT ON FUNCTION erp._tenant_lock(uuid) IS
    'Row lock on the tenant serialising re-parenting in its trees and its one-time setups.';
