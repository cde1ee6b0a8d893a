-- Gives back what a confirmed or assigned picking's moves reserved: they and the picking
-- become confirmed. ZE009 for a draft, done or cancelled picking.
CREATE OR REPLACE FUNCTION erp.inventory_picking_unreserve(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_picking_id uuid,
    p_expected_version bigint DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_picking erp.inventory_pickings;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_picking := erp._inventory_picking_open(p_tenant_id, p_picking_id, p_expected_version,
        '{confirmed,assigned}', 'unreserved');
    RETURN erp._inventory_picking_release(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        v_picking, 'confirmed', 'unreserved');
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_unreserve(uuid, uuid, text, text, uuid, bigint) IS
    'Releases a picking''s reservations (audited); ZE009 unless confirmed or assigned.';
REVOKE ALL ON FUNCTION erp.inventory_picking_unreserve(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_unreserve(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
