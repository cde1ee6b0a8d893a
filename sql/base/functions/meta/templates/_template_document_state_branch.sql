-- Fragment of erp._document_state, one per document entity type.
CREATE OR REPLACE FUNCTION erp_meta._template_document_state_branch() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
WHEN {{entity}} THEN
    SELECT true, t.number
    INTO is_found, current_number
    FROM {{table}} AS t
    WHERE t.tenant_id = p_tenant_id
        AND t.id = p_id
    FOR NO KEY UPDATE;
    is_found := FOUND;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_document_state_branch() IS
    'Generator template (placeholders: entity, table).';
