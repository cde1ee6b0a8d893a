-- Template of erp._<prefix>_duplicate: ZE002 for the first row of p_rows whose unique key is
-- taken. {{probes}} is one erp_meta._template_duplicate_probe per unique key. Rendered by
-- erp_meta.generate_writers() with erp_meta._render().
CREATE OR REPLACE FUNCTION erp_meta._template_duplicate() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(p_tenant_id uuid, p_rows {{table}}[]) RETURNS void
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row bigint;
BEGIN
    {{probes}}
    RAISE EXCEPTION '{{entity}}: a row conflicts with a row written at the same time'
        USING ERRCODE = 'ZE002', HINT = 'Read again: another transaction has just written the same key.';
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(uuid, {{table}}[]) IS
    'Generated: raises ZE002 for the first row of p_rows whose unique key is taken ({{entity}}).';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_duplicate() IS
    'Generator template (placeholders: function, table, entity, probes).';
