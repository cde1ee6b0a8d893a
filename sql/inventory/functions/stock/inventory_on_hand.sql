-- On hand, reserved and available of a product (in its unit) in a location and all its
-- children, of any usage (a supplier location reads negative: what came from it); NULL
-- location = every internal location of the tenant. p_as_of answers from the ledger of done
-- moves up to that time; reserved and available are then NULL (reservations are not history).
CREATE OR REPLACE FUNCTION erp.inventory_on_hand(
    p_tenant_id uuid,
    p_product_id uuid,
    p_location_id uuid DEFAULT NULL,
    p_as_of timestamptz DEFAULT NULL
) RETURNS TABLE (on_hand numeric, reserved numeric, available numeric)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_locations uuid[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM erp.erp_products AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_product_id) THEN
        RAISE EXCEPTION 'product % not found in this tenant', coalesce(p_product_id::text, 'NULL') USING ERRCODE = 'ZE001';
    END IF;
    IF p_location_id IS NULL THEN
        SELECT pg_catalog.array_agg(l.id) INTO v_locations
        FROM erp.inventory_locations AS l WHERE l.tenant_id = p_tenant_id AND l.usage = 'internal';
    ELSE
        WITH RECURSIVE down (id) AS (
            SELECT l.id FROM erp.inventory_locations AS l WHERE l.tenant_id = p_tenant_id AND l.id = p_location_id
            UNION
            SELECT l.id FROM erp.inventory_locations AS l INNER JOIN down ON l.parent_id = down.id
            WHERE l.tenant_id = p_tenant_id
        )
        SELECT pg_catalog.array_agg(down.id) INTO v_locations FROM down;
        IF v_locations IS NULL THEN
            RAISE EXCEPTION 'location % not found in this tenant', p_location_id USING ERRCODE = 'ZE001';
        END IF;
    END IF;
    IF p_as_of IS NULL THEN
        RETURN QUERY
        SELECT coalesce(sum(b.on_hand), 0), coalesce(sum(b.reserved), 0), coalesce(sum(b.on_hand - b.reserved), 0)
        FROM erp.inventory_balances AS b
        WHERE b.tenant_id = p_tenant_id AND b.product_id = p_product_id AND b.location_id = ANY (v_locations);
    ELSE
        RETURN QUERY
        SELECT coalesce((
            SELECT sum(m.product_qty) FROM erp.inventory_moves AS m
            WHERE m.tenant_id = p_tenant_id AND m.product_id = p_product_id AND m.state = 'done'
                AND m.to_location_id = ANY (v_locations) AND m.done_at <= p_as_of), 0)
            - coalesce((
            SELECT sum(m.product_qty) FROM erp.inventory_moves AS m
            WHERE m.tenant_id = p_tenant_id AND m.product_id = p_product_id AND m.state = 'done'
                AND m.from_location_id = ANY (v_locations) AND m.done_at <= p_as_of), 0),
            NULL::numeric, NULL::numeric;
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp.inventory_on_hand(uuid, uuid, uuid, timestamptz) IS
    'On hand, reserved, available of a product in a location and its children (NULL: all internal); '
    'p_as_of from the ledger of done moves.';
REVOKE ALL ON FUNCTION erp.inventory_on_hand(uuid, uuid, uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_on_hand(uuid, uuid, uuid, timestamptz) TO erp_app, erp_admin;
