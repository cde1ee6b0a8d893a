-- One picking with its moves (ZE001 if missing in this tenant).
CREATE OR REPLACE FUNCTION erp.inventory_picking_get(p_tenant_id uuid, p_picking_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_picking erp.inventory_pickings;
BEGIN
    SELECT p.* INTO v_picking FROM erp.inventory_pickings AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_picking_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'picking % not found in this tenant', coalesce(p_picking_id::text, 'NULL') USING ERRCODE = 'ZE001';
    END IF;
    RETURN erp._inventory_picking_json(p_tenant_id, v_picking);
END
$fn$;
COMMENT ON FUNCTION erp.inventory_picking_get(uuid, uuid) IS 'One picking with its moves, as jsonb (ZE001 if missing).';
REVOKE ALL ON FUNCTION erp.inventory_picking_get(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_picking_get(uuid, uuid) TO erp_app, erp_admin;
