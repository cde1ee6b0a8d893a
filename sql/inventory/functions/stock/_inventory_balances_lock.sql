-- Locks the balance rows of p_deltas in the one global order (product_id, location_id),
-- creating the missing ones first in the same order: every operation that touches several
-- balances goes through here, so two of them never wait for each other in a cycle.
CREATE OR REPLACE FUNCTION erp._inventory_balances_lock(p_tenant_id uuid, p_deltas erp.inventory_delta[])
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    INSERT INTO erp.inventory_balances AS b (tenant_id, product_id, location_id)
    SELECT DISTINCT p_tenant_id, d.product_id, d.location_id
    FROM pg_catalog.unnest(p_deltas) AS d
    ORDER BY 2, 3
    ON CONFLICT ON CONSTRAINT inventory_balances_pkey DO NOTHING;
    PERFORM 1 FROM erp.inventory_balances AS b
    WHERE b.tenant_id = p_tenant_id
        AND (b.product_id, b.location_id) IN (SELECT d.product_id, d.location_id FROM pg_catalog.unnest(p_deltas) AS d)
    ORDER BY b.product_id, b.location_id
    FOR UPDATE;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_balances_lock(uuid, erp.inventory_delta[]) IS
    'Creates missing balance rows and locks them, both in (product_id, location_id) order.';
