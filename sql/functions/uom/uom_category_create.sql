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
    PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    IF p_code IS NULL OR erp._code_key(p_code) = '' THEN
        RAISE EXCEPTION 'unit category code is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_name IS NULL OR btrim(p_name) = '' THEN
        RAISE EXCEPTION 'unit category name is empty' USING ERRCODE = 'ZE003';
    END IF;
    v_row.code := btrim(p_code, E' \t\r\n');
    v_row.name := btrim(p_name);
    SELECT w.* INTO v_row
    FROM erp._uom_category_insert(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, ARRAY[v_row]) AS w;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.uom_category_create(uuid, uuid, text, text, text, text) IS
    'Creates a unit-of-measure category (code unique per tenant; audited).';
REVOKE ALL ON FUNCTION erp.uom_category_create(uuid, uuid, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_category_create(uuid, uuid, text, text, text, text)
TO erp_app, erp_admin;
