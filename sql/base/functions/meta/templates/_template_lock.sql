-- Template of erp._<prefix>_lock: the current row locked FOR NO KEY UPDATE; ZE001 when it is
-- missing in the tenant, ZE004 when it is not at the expected version.
CREATE OR REPLACE FUNCTION erp_meta._template_lock() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(p_tenant_id uuid, p_id uuid, p_expected_version bigint)
RETURNS {{table}}
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row {{table}};
BEGIN
    SELECT t.* INTO v_row
    FROM {{table}} AS t
    WHERE t.tenant_id = p_tenant_id AND t.id = p_id
    FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '{{entity}} % not found in this tenant', coalesce(p_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    IF p_expected_version IS NOT NULL AND v_row.version <> p_expected_version THEN
        RAISE EXCEPTION '{{entity}} % is at version %, not %',
            p_id, v_row.version, p_expected_version
            USING ERRCODE = 'ZE004',
            HINT = 'Someone changed it in the meantime: read it again and re-apply your change.';
    END IF;
    RETURN v_row;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(uuid, uuid, bigint) IS
    'Generated: the current {{entity}} row locked for update (ZE001 missing, ZE004 stale version).';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_lock() IS
    'Generator template (placeholders: function, table, entity).';
