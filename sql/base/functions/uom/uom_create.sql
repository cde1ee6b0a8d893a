-- Creates a unit of measure in the category with code p_category. The first unit of a category
-- is its reference unit (factor 1); bigger/smaller units need an active reference unit.
CREATE OR REPLACE FUNCTION erp.uom_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_name text,
    p_category text,
    p_uom_type text DEFAULT 'reference',
    p_factor numeric DEFAULT 1,
    p_rounding numeric DEFAULT 0.01
) RETURNS erp.erp_uoms
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_uoms;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_row.code := btrim(p_code, E' \t\r\n');
    v_row.name := btrim(p_name, E' \t\r\n');
    v_row.uom_type := p_uom_type;
    v_row.factor := p_factor;
    v_row.rounding := p_rounding;
    v_row.active := true;
    PERFORM erp._uom_validate(v_row);
    -- KEY SHARE on the category: an archive of its reference unit locks it FOR UPDATE, so it
    -- waits for this transaction, and the reference unit found below stays active until commit
    SELECT c.id INTO v_row.category_id
    FROM erp.erp_uom_categories AS c
    WHERE c.tenant_id = p_tenant_id AND c.code_key = erp._code_key(p_category)
    FOR KEY SHARE;
    IF v_row.category_id IS NULL THEN
        RAISE EXCEPTION 'unit category % not found in this tenant', erp._clip(p_category, 40)
            USING ERRCODE = 'ZE001', HINT = 'Create it with erp.uom_category_create first.';
    END IF;
    -- a bigger or smaller unit needs the active reference unit (read after the lock, in a
    -- statement of its own: its snapshot sees what an archive that held the lock committed);
    -- erp._uom_reference_check explains a refusal and handles a new reference unit
    IF v_row.uom_type = 'reference' OR NOT EXISTS (
        SELECT 1 FROM erp.erp_uoms AS u
        WHERE u.tenant_id = p_tenant_id AND u.category_id = v_row.category_id
            AND u.uom_type = 'reference' AND u.active
    ) THEN
        PERFORM erp._uom_reference_check(p_tenant_id, NULL, v_row);
    END IF;
    v_row := erp._uom_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.uom_create(uuid, uuid, text, text, text, text, text, text, numeric, numeric) IS
    'Creates a unit of measure in a category (code unique per tenant; one reference unit per category; audited).';
REVOKE ALL ON FUNCTION erp.uom_create(uuid, uuid, text, text, text, text, text, text, numeric, numeric)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_create(uuid, uuid, text, text, text, text, text, text, numeric, numeric)
TO erp_app, erp_admin;
