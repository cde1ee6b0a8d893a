-- Template of erp._document_state: whether a document row exists and its number, the row
-- locked FOR NO KEY UPDATE (so numbering it at commit waits for nobody); one branch per entity
-- table with a "number text" column ({{branches}}, erp_meta._template_document_state_branch).
CREATE OR REPLACE FUNCTION erp_meta._template_document_state() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
CREATE FUNCTION erp.{{function}}(
    p_entity_type text, p_tenant_id uuid, p_id uuid, OUT is_found boolean, OUT current_number text
)
LANGUAGE plpgsql
AS $body$
BEGIN
    -- one branch per registered document entity: with none, the arguments go unused and the
    -- function looks immutable to plpgsql_check, while each branch locks a row
    -- @plpgsql_check_options: extra_warnings = false, performance_warnings = false
    is_found := false;
    CASE p_entity_type
        {{branches}}
        ELSE
            RAISE EXCEPTION 'entity type % has no number column', erp._clip(p_entity_type)
                USING ERRCODE = 'ZE003',
                HINT = 'Numbers at commit go to registered entity tables with a "number text" column.';
    END CASE;
END
$body$;
COMMENT ON FUNCTION erp.{{function}}(text, uuid, uuid) IS
    'Generated: whether a document row exists and its number, locking it (entity tables with a number column).';
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_document_state() IS
    'Generator template (placeholders: function, branches).';
