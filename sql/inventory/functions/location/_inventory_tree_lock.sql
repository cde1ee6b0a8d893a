-- Serialises the changes of a tenant's location tree (re-parenting, inventory_setup): a row
-- lock on the tenant row, taken before any other row lock, so a cycle check sees every earlier
-- move of the tree and two setups do not both create the defaults. FOR NO KEY UPDATE blocks no
-- foreign-key check; unlike an advisory lock, no other login can take it.
CREATE OR REPLACE FUNCTION erp._inventory_tree_lock(p_tenant_id uuid) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id FOR NO KEY UPDATE;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_tree_lock(uuid) IS
    'Row lock on the tenant serialising changes of its location tree and inventory_setup.';
