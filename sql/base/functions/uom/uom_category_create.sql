-- Creates a unit-of-measure category (e.g. WEIGHT). Categories are fixed once created: units
-- are added to them with erp.uom_create, and a unit never changes category.
CREATE OR REPLACE FUNCTION erp.uom_category_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_name text
) RETURNS erp.erp_uom_categories
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_uom_categories;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_row.code := btrim(p_code, E' \t\r\n');
    v_row.name := btrim(p_name, E' \t\r\n');
    IF NOT erp._code_name_ok(v_row.code, v_row.name) THEN
        PERFORM erp._code_name_check('unit category code', v_row.code, 'unit category name', v_row.name);
    END IF;
    v_row := erp._uom_category_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.uom_category_create(uuid, uuid, text, text, text, text) IS
    'Creates a unit-of-measure category (code unique per tenant; audited).';
REVOKE ALL ON FUNCTION erp.uom_category_create(uuid, uuid, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_category_create(uuid, uuid, text, text, text, text)
TO erp_app, erp_admin;
