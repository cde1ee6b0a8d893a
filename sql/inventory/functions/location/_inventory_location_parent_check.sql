-- The parent of a location being created, re-parented or restored (the restore check of
-- erp.inventory_location_restore): it exists in this tenant
-- (ZE001), is active (ZE009), and is neither the location itself nor one of its descendants
-- (ZE009: a cycle). Locked FOR KEY SHARE, as the foreign key would; a re-parenting caller
-- holds erp._tenant_lock, so two concurrent moves cannot build a cycle together.
CREATE OR REPLACE FUNCTION erp._inventory_location_parent_check(
    p_tenant_id uuid, p_old erp.inventory_locations, p_new erp.inventory_locations
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_parent erp.inventory_locations;
BEGIN
    IF p_new.parent_id IS NULL THEN
        RETURN;
    END IF;
    IF p_new.parent_id = p_new.id THEN
        RAISE EXCEPTION 'location % cannot be its own parent', p_new.code USING ERRCODE = 'ZE009';
    END IF;
    SELECT l.* INTO v_parent FROM erp.inventory_locations AS l
    WHERE l.tenant_id = p_tenant_id AND l.id = p_new.parent_id
    FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'parent location % not found in this tenant', p_new.parent_id USING ERRCODE = 'ZE001';
    END IF;
    IF NOT v_parent.active THEN
        RAISE EXCEPTION 'parent location % is archived', v_parent.code
            USING ERRCODE = 'ZE009', HINT = 'Restore the parent first, or choose another one.';
    END IF;
    IF p_old.id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up (id, parent_id) AS (
            SELECT v_parent.id, v_parent.parent_id
            UNION
            SELECT l.id, l.parent_id
            FROM erp.inventory_locations AS l INNER JOIN up ON l.id = up.parent_id
            WHERE l.tenant_id = p_tenant_id
        )
        SELECT 1 FROM up WHERE up.id = p_new.id
    ) THEN
        RAISE EXCEPTION 'location % cannot be placed under %: % is inside %',
            p_new.code, v_parent.code, v_parent.code, p_new.code
            USING ERRCODE = 'ZE009', HINT = 'The location tree may not form cycles.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_location_parent_check(uuid, erp.inventory_locations, erp.inventory_locations) IS
    'Parent of a location: exists (ZE001), active, no cycle (ZE009); locks it FOR KEY SHARE.';
