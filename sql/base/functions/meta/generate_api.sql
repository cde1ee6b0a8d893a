-- Generates the public functions an entity declares in the registry
-- (erp_meta.entity_types.api_functions): erp.<prefix>_get and _list from their templates, and
-- the write functions _create, _update, _archive and _restore in the frame
-- erp_meta._template_api_function (their bodies: erp_meta._api_write_values), each created with
-- its COMMENT, REVOKE and GRANT. What stays hand-written is the entity's checks, which the
-- registry names. Returns each function's name and the DDL that creates it;
-- erp_meta.regenerate_writers() runs the DDL.
CREATE OR REPLACE FUNCTION erp_meta.generate_api(p_entity_type text)
RETURNS TABLE (function_name text, ddl text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_entity erp_meta.entity_types;
    v_kind text;
    v_table text;
    v_noun text;
    v_arguments text := '';
    v_filters text := '';
    v_types text := 'uuid';
    v_filter jsonb;
BEGIN
    -- identifiers are quoted with %I and literals with %L; filter values are SQL from the
    -- registry, which only the owner writes
    SELECT * INTO STRICT v_entity FROM erp_meta.entity_types WHERE entity_type = p_entity_type;
    v_table := format('erp.%I', v_entity.table_name);
    v_noun := replace(replace(v_entity.api_noun, '''', ''''''), '%', '%%');
    IF v_entity.list_archived THEN
        v_arguments := E',\np_include_archived boolean DEFAULT false';
        v_filters := E'\n    AND (t.active OR coalesce(p_include_archived, false))';
        v_types := v_types || ', boolean';
    END IF;
    FOR v_filter IN SELECT f.value FROM jsonb_array_elements(v_entity.list_filters) AS f LOOP
        v_arguments := v_arguments || format(E',\n%I %s DEFAULT NULL',
            'p_' || (v_filter ->> 'name'), (v_filter ->> 'type')::regtype);
        v_filters := v_filters || format(E'\n    AND (%1$I IS NULL OR t.%2$I = %3$s)',
            'p_' || (v_filter ->> 'name'), v_filter ->> 'column',
            coalesce(v_filter ->> 'value', format('%I', 'p_' || (v_filter ->> 'name'))));
        v_types := v_types || ', ' || (v_filter ->> 'type')::regtype::text;
    END LOOP;
    FOR v_kind IN SELECT k.kind FROM jsonb_object_keys(v_entity.api_functions) AS k (kind) ORDER BY 1 LOOP
        function_name := v_entity.writer_prefix || '_' || v_kind;
        IF v_kind = 'get' THEN
            ddl := erp_meta._render(erp_meta._template_get(), jsonb_build_object(
                'function', format('%I', function_name),
                'table', v_table,
                'noun', v_noun,
                'comment', format('%L', v_entity.api_functions ->> v_kind)));
        ELSIF v_kind = 'list' THEN
            ddl := erp_meta._render(erp_meta._template_list(), jsonb_build_object(
                'function', format('%I', function_name),
                'arguments', v_arguments,
                'table', v_table,
                'filters', v_filters,
                'order', format('%I', v_entity.list_order),
                'types', v_types,
                'comment', format('%L', v_entity.api_functions ->> v_kind)));
        ELSE
            ddl := erp_meta._render(erp_meta._template_api_function(), jsonb_build_object(
                'function', format('%I', function_name),
                'table', v_table,
                'comment', format('%L', v_entity.api_functions ->> v_kind))
                || erp_meta._api_write_values(v_entity, v_kind));
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp_meta.generate_api(text) IS
    'Generates the public functions (get, list, create, update, archive, restore) an entity '
    'declares in the registry, from the templates; returns each one''s name and DDL.';
