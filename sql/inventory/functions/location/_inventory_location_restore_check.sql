-- The restore check of a location: its parent, if any, must be active (ZE009).
CREATE OR REPLACE FUNCTION erp._inventory_location_restore_check(
    p_tenant_id uuid, p_old erp.inventory_locations, p_new erp.inventory_locations
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM erp._inventory_location_parent_check(p_tenant_id, NULL, p_new);
END
$fn$;
COMMENT ON FUNCTION erp._inventory_location_restore_check(uuid, erp.inventory_locations, erp.inventory_locations) IS
    'Refuses to restore a location whose parent is archived (ZE009).';
