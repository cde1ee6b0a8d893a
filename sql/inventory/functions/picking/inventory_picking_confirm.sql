-- Confirms a draft picking: it and its moves become confirmed (ready to reserve or validate);
-- nothing is reserved yet. ZE009 unless draft.
CREATE OR REPLACE FUNCTION erp.inventory_picking_confirm(
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
    v_move erp.inventory_moves;
    v_new erp.inventory_moves;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_picking := erp._inventory_picking_open(p_tenant_id, p_picking_id, p_expected_version, '{draft}', 'confirmed');
    FOR v_move IN
        SELECT m.* FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking_id AND m.state = 'draft'
        ORDER BY m.position
    LOOP
        v_new := v_move;
        v_new.state := 'confirmed';
        PERFORM erp._inventory_move_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_move, v_new, 'confirmed');
    END LOOP;
    PERFORM erp._inventory_picking_set_state(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id,
        v_picking, 'confirmed', 'confirmed');
    RETURN erp.inventory_picking_get(p_tenant_id, p_picking_id);
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_confirm(uuid, uuid, text, text, uuid, bigint) IS
    'Confirms a draft picking and its moves (audited); ZE009 unless draft.';
REVOKE ALL ON FUNCTION erp.inventory_picking_confirm(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_confirm(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
