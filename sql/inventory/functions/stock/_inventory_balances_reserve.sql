-- Changes what is reserved in the balances of p_deltas (their reserved field; on_hand is not
-- used), one conditional UPDATE per (product, location) in that global lock order: an increase
-- only while on hand - reserved covers it, a release always. The caller runs this last, after
-- its moves and picking are written, because each row stays locked until commit. An increase
-- that no longer fits (another transaction took the stock since the caller's unlocked read) is
-- ZE010 unless p_partial; with p_partial the locked row grants what it has, rounded down to the
-- product unit's rounding. Returns the (product, location) rows that got less than asked, with
-- reserved = what they got (empty in the common case).
CREATE OR REPLACE FUNCTION erp._inventory_balances_reserve(
    p_tenant_id uuid, p_deltas erp.inventory_delta[], p_partial boolean
) RETURNS erp.inventory_delta[]
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_key record;
    v_available numeric;
    v_granted numeric;
    v_shorts erp.inventory_delta[] := '{}'::erp.inventory_delta[];
BEGIN
    FOR v_key IN
        SELECT d.product_id, d.location_id, sum(d.reserved) AS reserved
        FROM pg_catalog.unnest(p_deltas) AS d
        GROUP BY d.product_id, d.location_id
        HAVING sum(d.reserved) <> 0
        ORDER BY d.product_id, d.location_id
    LOOP
        UPDATE erp.inventory_balances AS b
        SET reserved = b.reserved + v_key.reserved
        WHERE b.tenant_id = p_tenant_id AND b.product_id = v_key.product_id AND b.location_id = v_key.location_id
            AND (v_key.reserved < 0 OR b.on_hand - b.reserved >= v_key.reserved);
        CONTINUE WHEN FOUND;
        -- the rare path: lock the row and see what it really has
        SELECT b.on_hand - b.reserved INTO v_available FROM erp.inventory_balances AS b
        WHERE b.tenant_id = p_tenant_id AND b.product_id = v_key.product_id AND b.location_id = v_key.location_id
        FOR NO KEY UPDATE;
        IF NOT p_partial THEN
            PERFORM erp._inventory_shortage(p_tenant_id, v_key.product_id, v_key.location_id,
                coalesce(v_available, 0), v_key.reserved);
        END IF;
        SELECT LEAST(v_key.reserved, GREATEST(pg_catalog.trunc(coalesce(v_available, 0) / u.rounding) * u.rounding, 0))
        INTO v_granted
        FROM erp.erp_products AS p
        INNER JOIN erp.erp_uoms AS u ON u.tenant_id = p.tenant_id AND u.id = p.uom_id
        WHERE p.tenant_id = p_tenant_id AND p.id = v_key.product_id;
        UPDATE erp.inventory_balances AS b
        SET reserved = b.reserved + v_granted
        WHERE b.tenant_id = p_tenant_id AND b.product_id = v_key.product_id AND b.location_id = v_key.location_id
            AND v_granted > 0;
        v_shorts := v_shorts || ROW(v_key.product_id, v_key.location_id, 0, v_granted)::erp.inventory_delta;
    END LOOP;
    RETURN v_shorts;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_balances_reserve(uuid, erp.inventory_delta[], boolean) IS
    'Conditional reserved updates in (product, location) order, run last; ZE010 or (partial) what is there.';
