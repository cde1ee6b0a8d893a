-- Writes a picking's new state through its audited writer (no event when it does not change).
-- A NULL p_state means: assigned when every open move is assigned, else confirmed.
CREATE OR REPLACE FUNCTION erp._inventory_picking_set_state(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_picking erp.inventory_pickings, p_state text, p_event text
) RETURNS erp.inventory_pickings
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new erp.inventory_pickings := p_picking;
BEGIN
    v_new.state := coalesce(p_state, CASE WHEN EXISTS (
            SELECT 1 FROM erp.inventory_moves AS m
            WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking.id
                AND m.state IN ('draft', 'confirmed', 'partially_available')
        ) THEN 'confirmed' ELSE 'assigned' END);
    IF v_new.state = 'done' THEN
        v_new.done_at := pg_catalog.now();
    END IF;
    RETURN erp._inventory_picking_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, p_picking, v_new, p_event);
END
$fn$;
COMMENT ON FUNCTION erp._inventory_picking_set_state(uuid, uuid, text, text, erp.inventory_pickings, text, text) IS
    'Writes a picking''s state (NULL: assigned or confirmed from its moves), audited.';
