CREATE OR REPLACE FUNCTION erp.uom_get(p_tenant_id uuid, p_id uuid) RETURNS erp.erp_uoms
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_uoms;
BEGIN
    SELECT u.* INTO v_row FROM erp.erp_uoms AS u WHERE u.tenant_id = p_tenant_id AND u.id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unit % not found in this tenant', coalesce(p_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.uom_get(uuid, uuid) IS 'One unit of measure, archived or not (ZE001 if missing).';
REVOKE ALL ON FUNCTION erp.uom_get(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_get(uuid, uuid) TO erp_app, erp_admin;
