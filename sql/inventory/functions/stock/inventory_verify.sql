-- Proves the balances against the ledger; one row per problem, none when clean:
--   balance_differs_from_ledger  on hand <> done moves in - done moves out (expected = ledger)
--   product_sum_not_zero         a product's on hand over all locations <> 0 (location NULL)
--   reserved_differs_from_moves  reserved <> the reservations of the open moves from there
--   negative_stock               on hand < 0 in an internal or transit location (not consumables)
--   reserved_above_on_hand       reserved > on hand in an internal or transit location
CREATE OR REPLACE FUNCTION erp.inventory_verify(p_tenant_id uuid)
RETURNS TABLE (problem text, product_id uuid, location_id uuid, expected numeric, actual numeric)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH ledger AS (
        SELECT x.product_id, x.location_id, sum(x.qty) AS on_hand
        FROM (
            SELECT m.product_id, m.to_location_id AS location_id, m.product_qty AS qty
            FROM erp.inventory_moves AS m WHERE m.tenant_id = p_tenant_id AND m.state = 'done'
            UNION ALL
            SELECT m.product_id, m.from_location_id, -m.product_qty
            FROM erp.inventory_moves AS m WHERE m.tenant_id = p_tenant_id AND m.state = 'done'
        ) AS x
        GROUP BY x.product_id, x.location_id
    ), open_reserved AS (
        SELECT m.product_id, m.from_location_id AS location_id, sum(m.reserved_qty) AS reserved
        FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.state IN ('confirmed', 'partially_available', 'assigned')
        GROUP BY m.product_id, m.from_location_id
    ), balances AS (
        SELECT b.product_id, b.location_id, b.on_hand, b.reserved,
            l.usage IN ('internal', 'transit') AND p.product_type <> 'consumable' AS guarded
        FROM erp.inventory_balances AS b
        INNER JOIN erp.inventory_locations AS l ON l.tenant_id = b.tenant_id AND l.id = b.location_id
        INNER JOIN erp.erp_products AS p ON p.tenant_id = b.tenant_id AND p.id = b.product_id
        WHERE b.tenant_id = p_tenant_id
    )
    SELECT 'balance_differs_from_ledger', coalesce(b.product_id, g.product_id), coalesce(b.location_id, g.location_id),
        coalesce(g.on_hand, 0), coalesce(b.on_hand, 0)
    FROM balances AS b FULL JOIN ledger AS g ON g.product_id = b.product_id AND g.location_id = b.location_id
    WHERE coalesce(g.on_hand, 0) <> coalesce(b.on_hand, 0)
    UNION ALL
    SELECT 'product_sum_not_zero', b.product_id, NULL, 0, sum(b.on_hand)
    FROM balances AS b GROUP BY b.product_id HAVING sum(b.on_hand) <> 0
    UNION ALL
    SELECT 'reserved_differs_from_moves', coalesce(b.product_id, r.product_id), coalesce(b.location_id, r.location_id),
        coalesce(r.reserved, 0), coalesce(b.reserved, 0)
    FROM balances AS b FULL JOIN open_reserved AS r ON r.product_id = b.product_id AND r.location_id = b.location_id
    WHERE coalesce(r.reserved, 0) <> coalesce(b.reserved, 0)
    UNION ALL
    SELECT 'negative_stock', b.product_id, b.location_id, 0, b.on_hand
    FROM balances AS b WHERE b.guarded AND b.on_hand < 0
    UNION ALL
    SELECT 'reserved_above_on_hand', b.product_id, b.location_id, b.on_hand, b.reserved
    FROM balances AS b WHERE b.guarded AND b.reserved > b.on_hand
    ORDER BY 1, 2, 3
$fn$;
COMMENT ON FUNCTION erp.inventory_verify(uuid) IS
    'Balances against the ledger of done moves and open reservations: one row per problem, none when clean.';
REVOKE ALL ON FUNCTION erp.inventory_verify(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_verify(uuid) TO erp_app, erp_admin;
