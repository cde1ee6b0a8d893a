-- Applies the balance changes of one operation (finished moves, released reservations):
-- locks the rows in (product_id, location_id) order, refuses with ZE010 a change that would
-- leave less on hand than reserved in an internal or transit location (consumables exempt),
-- then adds the changes. Called in the same function call as the audited writes of the moves.
CREATE OR REPLACE FUNCTION erp._inventory_balances_apply(p_tenant_id uuid, p_deltas erp.inventory_delta[])
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_deltas erp.inventory_delta[] := ARRAY(
        SELECT d FROM pg_catalog.unnest(p_deltas) AS d WHERE d.on_hand <> 0 OR d.reserved <> 0);
    v_bad record;
BEGIN
    PERFORM erp._inventory_balances_lock(p_tenant_id, v_deltas);
    -- the rows are locked: what is read here stays true until the UPDATE below
    SELECT d.product_id, d.location_id, b.on_hand - b.reserved - d.reserved AS available, -d.on_hand AS requested
    INTO v_bad
    FROM (
        SELECT x.product_id, x.location_id, sum(x.on_hand) AS on_hand, sum(x.reserved) AS reserved
        FROM pg_catalog.unnest(v_deltas) AS x GROUP BY x.product_id, x.location_id
    ) AS d
    INNER JOIN erp.inventory_balances AS b
        ON b.tenant_id = p_tenant_id AND b.product_id = d.product_id AND b.location_id = d.location_id
    INNER JOIN erp.inventory_locations AS l ON l.tenant_id = p_tenant_id AND l.id = d.location_id
    INNER JOIN erp.erp_products AS p ON p.tenant_id = p_tenant_id AND p.id = d.product_id
    WHERE l.usage IN ('internal', 'transit') AND p.product_type <> 'consumable'
        AND b.on_hand + d.on_hand < b.reserved + d.reserved
    ORDER BY d.product_id, d.location_id
    LIMIT 1;
    IF FOUND THEN
        PERFORM erp._inventory_shortage(p_tenant_id, v_bad.product_id, v_bad.location_id, v_bad.available, v_bad.requested);
    END IF;
    UPDATE erp.inventory_balances AS b
    SET on_hand = b.on_hand + d.on_hand, reserved = b.reserved + d.reserved
    FROM (
        SELECT x.product_id, x.location_id, sum(x.on_hand) AS on_hand, sum(x.reserved) AS reserved
        FROM pg_catalog.unnest(v_deltas) AS x GROUP BY x.product_id, x.location_id
    ) AS d
    WHERE b.tenant_id = p_tenant_id AND b.product_id = d.product_id AND b.location_id = d.location_id
        AND (d.on_hand <> 0 OR d.reserved <> 0);
END
$fn$;
COMMENT ON FUNCTION erp._inventory_balances_apply(uuid, erp.inventory_delta[]) IS
    'Adds balance changes under locks in (product, location) order; ZE010 when stock would not cover them.';
