-- Template of erp._<prefix>_insert: the rows of p_rows in one statement (erp_meta._template_insert_rows),
-- then ZE002 from erp._<prefix>_duplicate when some row was not inserted.
CREATE OR REPLACE FUNCTION erp_meta._template_insert() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text, p_rows {{table}}[]
) RETURNS SETOF {{table}}
LANGUAGE plpgsql
AS $body$
DECLARE
    v_written bigint;
BEGIN
    RETURN QUERY
    {{statement}}
    SELECT * FROM ins;
    GET DIAGNOSTICS v_written = ROW_COUNT;
    IF v_written < pg_catalog.cardinality(p_rows) THEN
        PERFORM erp.{{duplicate}}(p_tenant_id, p_rows);
    END IF;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(uuid, uuid, text, text, {{table}}[]) IS
    'Generated audited insert of {{entity}} rows: one statement, one created event per row (ZE002 on a taken key).';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_insert() IS
    'Generator template (placeholders: function, table, entity, statement, duplicate).';
