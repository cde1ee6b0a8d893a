-- Template of erp._<prefix>_check: what the table's constraints would refuse, refused first with
-- the field named (ZE003; ZE001 for a missing reference). The rules come from
-- erp_meta._check_rules, in order; {{first_with_defaults}} and {{first}} (erp_meta._template_check_first)
-- find the first row that breaks one, with and without the columns' defaults.
CREATE OR REPLACE FUNCTION erp_meta._template_check() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(p_tenant_id uuid, p_rows {{table}}[], p_defaults boolean) RETURNS void
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row bigint;
    v_rule integer;
BEGIN
    IF p_defaults THEN
        {{first_with_defaults}}
    ELSE
        {{first}}
    END IF;
    IF v_rule IS NOT NULL THEN
        RAISE EXCEPTION '{{entity}}: % %',
            (ARRAY[
                {{fields}}
            ])[v_rule],
            (ARRAY[
                {{reasons}}
            ])[v_rule]
            || CASE WHEN pg_catalog.cardinality(p_rows) > 1 THEN pg_catalog.format(' (row %s)', v_row) ELSE '' END
            USING ERRCODE = (ARRAY[
                {{errcodes}}
            ])[v_rule];
    END IF;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(uuid, {{table}}[], boolean) IS
    'Generated: ZE003 (ZE001 for a missing reference) for the first row the table''s constraints would refuse.';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_check() IS
    'Generator template (placeholders: function, table, entity, first_with_defaults, first, '
    'fields, reasons, errcodes).';
