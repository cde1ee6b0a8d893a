-- Fragment of erp._document_number, one per document entity type.
CREATE OR REPLACE FUNCTION erp_meta._template_document_number_branch() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
WHEN {{entity}} THEN
    PERFORM erp.{{number}}(
        p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, p_id, p_number
    );
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_document_number_branch() IS
    'Generator template (placeholders: entity, number).';
