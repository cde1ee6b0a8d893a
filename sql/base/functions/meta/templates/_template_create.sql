-- Template of erp._<prefix>_create: one row for the entity functions, a scalar call (no
-- set-returning function, no array); the statement is erp_meta._template_insert_rows.
CREATE OR REPLACE FUNCTION erp_meta._template_create() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text, p_row {{table}}
) RETURNS {{table}}
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row {{table}};
BEGIN
    {{statement}}
    SELECT * INTO v_row FROM ins;
    IF NOT FOUND THEN
        PERFORM erp.{{duplicate}}(p_tenant_id, ARRAY[p_row]);
    END IF;
    RETURN v_row;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(uuid, uuid, text, text, {{table}}) IS
    'Generated audited insert of one {{entity}} row with its created event (ZE002 on a taken key).';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_create() IS
    'Generator template (placeholders: function, table, entity, statement, duplicate).';
