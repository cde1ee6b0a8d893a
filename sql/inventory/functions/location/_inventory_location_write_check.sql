-- The write check of a stock location (erp_meta.entity_types.write_check), called by the
-- generated erp.inventory_location_create (p_old NULL) and erp.inventory_location_update: code
-- unique per tenant (trim + NFKC + case folding), a name, a usage (internal, view, supplier,
-- customer, inventory, transit) fixed at creation with the default role (ZE003: the balances
-- and open moves of a location were made under its usage); a new parent must be active and not
-- the location itself or one of its descendants (ZE009).
CREATE OR REPLACE FUNCTION erp._inventory_location_write_check(
    p_tenant_id uuid, p_old erp.inventory_locations, p_new erp.inventory_locations
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM erp._inventory_location_validate(p_new);
    IF p_old.id IS NULL OR p_new.parent_id IS DISTINCT FROM p_old.parent_id THEN
        PERFORM erp._inventory_location_parent_check(p_tenant_id, p_old, p_new);
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_location_write_check(
    uuid, erp.inventory_locations, erp.inventory_locations
) IS 'Checks a stock location before it is written (limits; a new or changed parent).';
