-- Template of erp.<prefix>_get: one row of the tenant by id, archived or not; ZE001 if missing.
-- Rendered by erp_meta.generate_api() with erp_meta._render().
CREATE OR REPLACE FUNCTION erp_meta._template_get() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(p_tenant_id uuid, p_id uuid)
RETURNS {{table}}
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row {{table}};
BEGIN
    SELECT t.*
    INTO v_row
    FROM {{table}} AS t
    WHERE t.tenant_id = p_tenant_id
        AND t.id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION '{{noun}} % not found in this tenant', coalesce(p_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.{{function}}(uuid, uuid) IS
    {{comment}};
REVOKE ALL ON FUNCTION erp.{{function}}(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.{{function}}(uuid, uuid) TO erp_app, erp_admin;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_get() IS
    'Generator template of erp.<prefix>_get (placeholders: function, table, noun, comment).';
