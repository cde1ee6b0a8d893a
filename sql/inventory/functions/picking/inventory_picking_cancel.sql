-- Cancels a picking that is not done: its reservations are released, it and its open moves
-- become cancelled. A cancelled picking is returned as it is; a done one is ZE009.
CREATE OR REPLACE FUNCTION erp.inventory_picking_cancel(
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
        '{draft,confirmed,assigned,cancelled}', 'cancelled');
    IF v_picking.state <> 'cancelled' THEN
        RETURN erp._inventory_picking_release(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
            v_picking, 'cancelled', 'cancelled');
    END IF;
    RETURN erp.inventory_picking_get(p_tenant_id, p_picking_id);
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_cancel(uuid, uuid, text, text, uuid, bigint) IS
    'Cancels a picking that is not done and releases its reservations (audited); ZE009 once done.';
REVOKE ALL ON FUNCTION erp.inventory_picking_cancel(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_cancel(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
