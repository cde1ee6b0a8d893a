-- Generates the static dispatchers the generic writers call, one CASE branch per registered
-- entity type (no dynamic SQL on the generic path either):
--   erp._json_insert(p_entity_type, context, p_rows jsonb) RETURNS SETOF jsonb
--       JSON rows converted (ZE003), checked against the table's constraints (ZE003/ZE001),
--       inserted with their created events (ZE002 on a taken key); one row through _p_create
--   erp._json_update(p_entity_type, context, p_id, p_patch, p_expected_version, p_event) RETURNS jsonb
--       updated (patch) / archived / restored through the entity's writer
--   erp._document_state(p_entity_type, p_tenant_id, p_id, OUT is_found, OUT current_number)
--       the document row, locked FOR NO KEY UPDATE (so numbering it at commit waits for nobody)
--   erp._document_number(p_entity_type, context, p_id, p_number) RETURNS void
--       the two halves of numbering at commit, for entity tables with a "number" column
-- Unknown entity types are ZE003. Each dispatcher and each of its branches is a template
-- (sql/base/functions/meta/templates/_template_<dispatcher>[_branch].sql).
CREATE OR REPLACE FUNCTION erp_meta.generate_dispatchers() RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $gen$
DECLARE
    -- a CASE needs a branch: the one of a registry without (document) entities
    v_none constant text := 'WHEN NULL THEN NULL;';
    v_unknown constant text := erp_meta._fragment(erp_meta._template_unknown_entity(), '{}');
    v_insert text;
    v_update text;
    v_state text;
    v_number text;
BEGIN
    -- names come from the registry with %I / %L; only the owner runs this at migrate time
    SELECT
        string_agg(erp_meta._fragment(erp_meta._template_json_insert_branch(), n.names
            || erp_meta._writer_names(e.writer_prefix, '{from_json,check,create,insert}')), E'\n' ORDER BY e.entity_type),
        string_agg(erp_meta._fragment(erp_meta._template_json_update_branch(), n.names
            || erp_meta._writer_names(e.writer_prefix, '{lock,patch,check,write}')), E'\n' ORDER BY e.entity_type)
    INTO v_insert, v_update
    FROM erp_meta.entity_types AS e
    CROSS JOIN LATERAL (SELECT jsonb_build_object('entity', quote_literal(e.entity_type),
        'table', format('erp.%I', e.table_name)) AS names) AS n;

    SELECT
        string_agg(erp_meta._fragment(erp_meta._template_document_state_branch(), n.names), E'\n'
            ORDER BY e.entity_type),
        string_agg(erp_meta._fragment(erp_meta._template_document_number_branch(), (n.names - 'table')
            || erp_meta._writer_names(e.writer_prefix, '{number}')), E'\n' ORDER BY e.entity_type)
    INTO v_state, v_number
    FROM erp_meta.entity_types AS e
    CROSS JOIN LATERAL (SELECT jsonb_build_object('entity', quote_literal(e.entity_type),
        'table', format('erp.%I', e.table_name)) AS names) AS n
    WHERE EXISTS (
        SELECT 1 FROM erp_meta._columns(format('erp.%I', e.table_name)::regclass) AS c
        WHERE c.name = 'number' AND c.kind = 'text'
    );

    RETURN NEXT erp_meta._generate('_json_insert', erp_meta._template_json_insert(), jsonb_build_object(
        'branches', coalesce(v_insert, v_none), 'unknown', v_unknown));
    RETURN NEXT erp_meta._generate('_json_update', erp_meta._template_json_update(), jsonb_build_object(
        'branches', coalesce(v_update, v_none), 'unknown', v_unknown));
    RETURN NEXT erp_meta._generate('_document_state', erp_meta._template_document_state(),
        jsonb_build_object('branches', coalesce(v_state, v_none)));
    RETURN NEXT erp_meta._generate('_document_number', erp_meta._template_document_number(),
        jsonb_build_object('branches', coalesce(v_number, v_none)));
END
$gen$;
COMMENT ON FUNCTION erp_meta.generate_dispatchers() IS
    'Generates the per-entity-type dispatchers of the generic writers and of numbering at commit.';
