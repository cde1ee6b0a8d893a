-- A location a move or picking may use: it exists in this tenant (ZE001), is active and is not
-- a view (ZE009: a view only groups other locations). Returns its usage.
CREATE OR REPLACE FUNCTION erp._inventory_location_usable(p_tenant_id uuid, p_location_id uuid) RETURNS text
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_location erp.inventory_locations;
BEGIN
    SELECT l.* INTO v_location FROM erp.inventory_locations AS l WHERE l.tenant_id = p_tenant_id AND l.id = p_location_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'location % not found in this tenant', coalesce(p_location_id::text, 'NULL') USING ERRCODE = 'ZE001';
    END IF;
    IF NOT v_location.active THEN
        RAISE EXCEPTION 'location % is archived', v_location.code USING ERRCODE = 'ZE009';
    END IF;
    IF v_location.usage = 'view' THEN
        RAISE EXCEPTION 'location % is a view: it groups other locations and holds no stock', v_location.code
            USING ERRCODE = 'ZE009', HINT = 'Use one of its internal child locations.';
    END IF;
    RETURN v_location.usage;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_location_usable(uuid, uuid) IS
    'ZE001/ZE009 unless a location exists, is active and is not a view; returns its usage.';
