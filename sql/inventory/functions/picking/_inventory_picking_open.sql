-- The picking an operation works on, locked (FOR NO KEY UPDATE: every picking operation takes
-- this lock first, before any balance) and in one of p_states; ZE001 missing, ZE004 stale
-- version, ZE009 in another state.
CREATE OR REPLACE FUNCTION erp._inventory_picking_open(
    p_tenant_id uuid, p_picking_id uuid, p_expected_version bigint, p_states text[], p_action text
) RETURNS erp.inventory_pickings
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_picking erp.inventory_pickings;
BEGIN
    v_picking := erp._inventory_picking_lock(p_tenant_id, p_picking_id, p_expected_version);
    IF v_picking.state <> ALL (p_states) THEN
        RAISE EXCEPTION 'picking % is %: it cannot be %', coalesce(v_picking.number, v_picking.id::text),
            v_picking.state, p_action
            USING ERRCODE = 'ZE009', HINT = pg_catalog.format('Only a picking that is %s can be %s.',
                pg_catalog.array_to_string(p_states, ' or '), p_action);
    END IF;
    RETURN v_picking;
END
$fn$;
COMMENT ON FUNCTION erp._inventory_picking_open(uuid, uuid, bigint, text[], text) IS
    'Locks a picking for an operation; ZE001 missing, ZE004 stale, ZE009 in the wrong state.';
