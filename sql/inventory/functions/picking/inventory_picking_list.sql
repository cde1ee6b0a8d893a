-- The tenant's pickings with their moves, in id (creation) order, optionally of one state,
-- kind or origin document; keyset pages: p_after is the last id of the previous page,
-- p_limit 1..1000 (ZE003 otherwise).
CREATE OR REPLACE FUNCTION erp.inventory_picking_list(
    p_tenant_id uuid,
    p_state text DEFAULT NULL,
    p_kind text DEFAULT NULL,
    p_origin_type text DEFAULT NULL,
    p_origin_id uuid DEFAULT NULL,
    p_after uuid DEFAULT NULL,
    p_limit bigint DEFAULT 100
) RETURNS SETOF jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
        RAISE EXCEPTION 'p_limit must be between 1 and 1000, not %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    RETURN QUERY
    SELECT erp._inventory_picking_json(p_tenant_id, p)
    FROM erp.inventory_pickings AS p
    WHERE p.tenant_id = p_tenant_id
        AND (p_state IS NULL OR p.state = p_state)
        AND (p_kind IS NULL OR p.kind = p_kind)
        AND (p_origin_type IS NULL OR p.origin_type = p_origin_type)
        AND (p_origin_id IS NULL OR p.origin_id = p_origin_id)
        AND (p_after IS NULL OR p.id > p_after)
    ORDER BY p.id
    LIMIT p_limit;
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_list(uuid, text, text, text, uuid, uuid, bigint) IS
    'Pickings with their moves by id, filtered by state, kind, origin; keyset pages (p_after, p_limit <= 1000).';
REVOKE ALL ON FUNCTION erp.inventory_picking_list(uuid, text, text, text, uuid, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_list(uuid, text, text, text, uuid, uuid, bigint) TO erp_app, erp_admin;
