-- Template of erp._<prefix>_number, for tables with a "number text" column: writes the number
-- of a document (event numbered); ZE009 if it already has one.
CREATE OR REPLACE FUNCTION erp_meta._template_number() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_id uuid, p_number text
) RETURNS {{table}}
LANGUAGE plpgsql
AS $body$
DECLARE
    v_old {{table}} := erp.{{lock}}(p_tenant_id, p_id, NULL);
    v_new {{table}} := v_old;
BEGIN
    IF v_old.number IS NOT NULL THEN
        RAISE EXCEPTION '{{entity}} % is already numbered %', p_id, erp._clip(v_old.number)
            USING ERRCODE = 'ZE009', HINT = 'A document is numbered once: explicitly or at commit, not both.';
    END IF;
    v_new.number := p_number;
    RETURN erp.{{write}}(
        p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'numbered'
    );
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(uuid, uuid, text, text, uuid, text) IS
    'Generated: writes the number of a {{entity}} document (event numbered); ZE009 if it already has one.';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_number() IS
    'Generator template (placeholders: function, table, entity, lock, write).';
