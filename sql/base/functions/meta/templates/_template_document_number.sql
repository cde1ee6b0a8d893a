-- Template of erp._document_number: writes a document's number through its entity's audited
-- writer (erp._<prefix>_number, event numbered); one branch per entity table with a "number
-- text" column ({{branches}}, erp_meta._template_document_number_branch).
CREATE OR REPLACE FUNCTION erp_meta._template_document_number() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_entity_type text, p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text,
    p_id uuid, p_number text
) RETURNS void
LANGUAGE plpgsql
AS $body$
BEGIN
    -- one branch per registered document entity: with none, the arguments go unused and the
    -- function looks immutable to plpgsql_check, while each branch writes
    -- @plpgsql_check_options: extra_warnings = false, performance_warnings = false
    CASE p_entity_type
        {{branches}}
        ELSE
            RAISE EXCEPTION 'entity type % has no number column', erp._clip(p_entity_type) USING ERRCODE = 'ZE003';
    END CASE;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(text, uuid, uuid, text, text, uuid, text) IS
    'Generated: writes a document''s number through its entity''s audited writer (event numbered).';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_document_number() IS
    'Generator template (placeholders: function, branches).';
