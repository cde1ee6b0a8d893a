-- The tenant's orders (without lines) in id order, i.e. creation order; optional state and
-- partner filters; keyset pages: p_after is the last id of the previous page, p_limit 1..1000.
CREATE OR REPLACE FUNCTION erp.sales_order_list(
    p_tenant_id uuid,
    p_state text DEFAULT NULL,
    p_partner_id uuid DEFAULT NULL,
    p_after uuid DEFAULT NULL,
    p_limit bigint DEFAULT 100
) RETURNS SETOF erp.sales_orders
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF p_state IS NOT NULL AND p_state NOT IN ('draft', 'confirmed', 'done', 'cancelled') THEN
        RAISE EXCEPTION 'unknown order state %', erp._clip(p_state, 40)
            USING ERRCODE = 'ZE003', HINT = 'States: draft, confirmed, done, cancelled.';
    END IF;
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
        RAISE EXCEPTION 'p_limit must be between 1 and 1000' USING ERRCODE = 'ZE003';
    END IF;
    RETURN QUERY
    SELECT o.* FROM erp.sales_orders AS o
    WHERE o.tenant_id = p_tenant_id
        AND (p_state IS NULL OR o.state = p_state)
        AND (p_partner_id IS NULL OR o.partner_id = p_partner_id)
        AND (p_after IS NULL OR o.id > p_after)
    ORDER BY o.id
    LIMIT p_limit;
END
$fn$;
COMMENT ON FUNCTION erp.sales_order_list(uuid, text, uuid, uuid, bigint) IS
    'The tenant''s sales orders in creation order; optional state and partner; keyset pages (p_after).';
REVOKE ALL ON FUNCTION erp.sales_order_list(uuid, text, uuid, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sales_order_list(uuid, text, uuid, uuid, bigint) TO erp_app, erp_admin;
