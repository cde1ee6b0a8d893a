-- A picking as the API returns it: its columns plus "moves", its moves in position order.
-- PL/pgSQL: an SQL function with a subquery is not inlined and would be planned on every call.
CREATE OR REPLACE FUNCTION erp._inventory_picking_json(p_tenant_id uuid, p_picking erp.inventory_pickings)
RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $fn$
BEGIN
    RETURN pg_catalog.to_jsonb(p_picking) || pg_catalog.jsonb_build_object('moves', coalesce((
        SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(m) ORDER BY m.position, m.id)
        FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p_tenant_id AND m.picking_id = p_picking.id
    ), '[]'::jsonb));
END
$fn$;
COMMENT ON FUNCTION erp._inventory_picking_json(uuid, erp.inventory_pickings) IS
    'A picking''s columns plus "moves" (position order), as jsonb.';
