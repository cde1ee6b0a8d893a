-- The archive check of a location (called by the generated erp.inventory_location_archive):
-- refused (ZE005) while it is one of the tenant's defaults, holds stock or reservations, has
-- open moves from or to it, or has active children. Locked FOR UPDATE first: moves and
-- children being written hold KEY SHARE on it, so the checks below see them.
CREATE OR REPLACE FUNCTION erp._inventory_location_archive_check(
    p_tenant_id uuid, p_old erp.inventory_locations, p_new erp.inventory_locations
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_reason text;
BEGIN
    PERFORM 1 FROM erp.inventory_locations AS l WHERE l.tenant_id = p_tenant_id AND l.id = p_new.id FOR UPDATE;
    v_reason := CASE
        WHEN p_old.role IS NOT NULL THEN pg_catalog.format('it is the default %s location', p_old.role)
        WHEN EXISTS (SELECT 1 FROM erp.inventory_balances AS b
            WHERE b.tenant_id = p_tenant_id AND b.location_id = p_new.id AND (b.on_hand <> 0 OR b.reserved <> 0))
            THEN 'it holds stock'
        WHEN EXISTS (SELECT 1 FROM erp.inventory_moves AS m
            WHERE m.tenant_id = p_tenant_id AND p_new.id IN (m.from_location_id, m.to_location_id)
                AND m.state IN ('draft', 'confirmed', 'partially_available', 'assigned'))
            THEN 'open moves use it'
        WHEN EXISTS (SELECT 1 FROM erp.inventory_locations AS c
            WHERE c.tenant_id = p_tenant_id AND c.parent_id = p_new.id AND c.active)
            THEN 'it has active child locations'
    END;
    IF v_reason IS NOT NULL THEN
        RAISE EXCEPTION 'location % cannot be archived: %', p_old.code, v_reason
            USING ERRCODE = 'ZE005',
            HINT = 'Empty it, finish or cancel its moves and archive its children first.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_location_archive_check(uuid, erp.inventory_locations, erp.inventory_locations) IS
    'Refuses to archive a default location, or one holding stock, open moves or active children (ZE005).';
