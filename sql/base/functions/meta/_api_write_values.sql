-- The values of the frame erp_meta._template_api_function for one write kind of an entity
-- (create, update, archive, restore): its arguments, all argument types, its variables and
-- its body, rendered from the kind's template with the entity's registry row: the create
-- arguments and fixed values, the trimmed columns, the write / archive / restore check and
-- the tree lock. Identifiers are quoted with %I; argument types pass through regtype; values
-- and defaults are SQL from the registry, which only the owner writes.
CREATE OR REPLACE FUNCTION erp_meta._api_write_values(p_entity erp_meta.entity_types, p_kind text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_table text := format('erp.%I', p_entity.table_name);
    v_prefix text := p_entity.writer_prefix;
    v_pair text := format(E'v_old %1$s;\nv_new %1$s;', v_table);
    v_lock text := format('%I', '_' || v_prefix || '_lock');
    v_write text := format('%I', '_' || v_prefix || '_write');
    v_trim text := $$btrim(%s, E' \t\r\n')$$;
    v_check text;
    v_arguments text[] := '{}'::text[];
    v_types text[] := ARRAY['uuid', 'uuid', 'text', 'text'];
    v_lines text[] := '{}'::text[];
    v_item jsonb;
BEGIN
    v_check := CASE p_kind WHEN 'archive' THEN p_entity.archive_check
        WHEN 'restore' THEN p_entity.restore_check ELSE p_entity.write_check END;
    v_check := CASE WHEN v_check IS NULL
        THEN format('-- no %s check registered (erp_meta.entity_types)', p_kind)
        WHEN p_kind = 'create' THEN format('PERFORM %s(p_tenant_id, NULL, v_row);', v_check)
        ELSE format('PERFORM %s(p_tenant_id, v_old, v_new);', v_check) END;
    IF p_kind = 'create' THEN
        FOR v_item IN SELECT a.value FROM jsonb_array_elements(p_entity.create_arguments) AS a LOOP
            IF v_item ? 'type' THEN
                v_arguments := v_arguments || concat_ws(' DEFAULT ',
                    format('%I %s', 'p_' || (v_item ->> 'name'), (v_item ->> 'type')::regtype), v_item ->> 'default');
                v_types := v_types || (v_item ->> 'type')::regtype::text;
            END IF;
            v_lines := v_lines || format('v_row.%I := %s;', v_item ->> 'name', coalesce(v_item ->> 'value',
                format(CASE WHEN v_item ->> 'name' = ANY (p_entity.trim_columns) THEN v_trim ELSE '%s' END,
                    format('%I', 'p_' || (v_item ->> 'name')))));
        END LOOP;
        RETURN jsonb_build_object(
            'arguments', array_to_string(v_arguments, E',\n'),
            'types', erp_meta._wrap_sql(array_to_string(v_types, ', '), 100),
            'declare', format('v_row %s;', v_table),
            'body', erp_meta._fragment(erp_meta._template_api_create(), jsonb_build_object(
                'assignments', array_to_string(v_lines, E'\n'),
                'check', v_check,
                'create', format('%I', '_' || v_prefix || '_create'))));
    END IF;
    IF p_kind = 'update' THEN
        SELECT coalesce(array_agg(format('v_new.%I := %s;', c.name, format(v_trim, format('v_new.%I', c.name)))
            ORDER BY c.n), '{}'::text[])
        INTO v_lines
        FROM unnest(p_entity.trim_columns) WITH ORDINALITY AS c (name, n);
        RETURN jsonb_build_object(
            'arguments', E'p_id uuid,\np_patch jsonb,\np_expected_version bigint DEFAULT NULL',
            'types', 'uuid, uuid, text, text, uuid, jsonb, bigint',
            'declare', v_pair,
            'body', erp_meta._fragment(erp_meta._template_api_update(), jsonb_build_object(
                'tree_lock', CASE WHEN p_entity.tree_lock IS NULL THEN '' ELSE format(
                    E'IF p_patch ? \'parent_id\' THEN\n    PERFORM %s(p_tenant_id);  -- before any row lock\nEND IF;',
                    p_entity.tree_lock) END,
                'lock', v_lock,
                'patch', format('%I', '_' || v_prefix || '_patch'),
                'trims', array_to_string(v_lines, E'\n'),
                'check', v_check,
                'write', v_write)));
    END IF;
    RETURN jsonb_build_object(
        'arguments', E'p_id uuid,\np_expected_version bigint DEFAULT NULL',
        'types', 'uuid, uuid, text, text, uuid, bigint',
        'declare', v_pair,
        'body', erp_meta._fragment(erp_meta._template_set_active(), jsonb_build_object(
            'lock', v_lock,
            'unchanged', CASE p_kind WHEN 'archive' THEN 'NOT v_old.active' ELSE 'v_old.active' END,
            'active', CASE p_kind WHEN 'archive' THEN 'false' ELSE 'true' END,
            'check', v_check,
            'write', v_write,
            'event', format('%L', p_kind || 'd'))));
END
$fn$;
COMMENT ON FUNCTION erp_meta._api_write_values(erp_meta.entity_types, text) IS
    'The frame values (arguments, types, declare, body) of an entity''s generated create, update, '
    'archive or restore.';
