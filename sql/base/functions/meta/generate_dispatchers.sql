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
-- Unknown entity types are ZE003.
CREATE OR REPLACE FUNCTION erp_meta.generate_dispatchers() RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $gen$
DECLARE
    v_ctx constant text := 'p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text';
    v_args constant text := 'p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id';
    v_unknown constant text := $u$
        ELSE
            RAISE EXCEPTION 'unknown entity type %', erp._clip(p_entity_type)
                USING ERRCODE = 'ZE003',
                HINT = 'Entity types are registered in erp_meta.entity_types (e.g. erp.base.uom).';$u$;
    v_insert text;
    v_update text;
    v_state text;
    v_number text;
BEGIN
    -- names come from the registry with %I / %L; only the owner runs this at migrate time; it
    -- runs DDL through EXECUTE
    -- @plpgsql_check_options: security_warnings = false, performance_warnings = false
    SELECT
        string_agg(format($b$
        WHEN %1$L THEN DECLARE v_rows erp.%2$I[] := erp.%3$I(p_rows); BEGIN
            PERFORM erp.%4$I(p_tenant_id, v_rows, true);
            IF pg_catalog.cardinality(v_rows) = 1 THEN
                RETURN NEXT pg_catalog.to_jsonb(erp.%7$I(%6$s, v_rows[1]));
            ELSE
                RETURN QUERY SELECT pg_catalog.to_jsonb(w) FROM erp.%5$I(%6$s, v_rows) AS w;
            END IF;
        END;$b$, e.entity_type, e.table_name, '_' || e.writer_prefix || '_from_json',
            '_' || e.writer_prefix || '_check', '_' || e.writer_prefix || '_insert', v_args,
            '_' || e.writer_prefix || '_create'), '' ORDER BY e.entity_type),
        string_agg(format($b$
        WHEN %1$L THEN DECLARE v_old erp.%2$I := erp.%3$I(p_tenant_id, p_id, p_expected_version); v_new erp.%2$I; BEGIN
            IF p_event IN ('archived', 'restored') THEN
                v_new := v_old;
                v_new.active := p_event = 'restored';
            ELSE
                v_new := erp.%4$I(v_old, p_patch);
            END IF;
            PERFORM erp.%5$I(p_tenant_id, ARRAY[v_new], false);
            RETURN pg_catalog.to_jsonb(erp.%6$I(%7$s, v_old, v_new, p_event));
        END;$b$, e.entity_type, e.table_name, '_' || e.writer_prefix || '_lock', '_' || e.writer_prefix || '_patch',
            '_' || e.writer_prefix || '_check', '_' || e.writer_prefix || '_write', v_args), '' ORDER BY e.entity_type)
    INTO v_insert, v_update
    FROM erp_meta.entity_types AS e;

    SELECT
        string_agg(format($b$
        WHEN %1$L THEN
            SELECT true, t.number INTO is_found, current_number FROM erp.%2$I AS t
            WHERE t.tenant_id = p_tenant_id AND t.id = p_id FOR NO KEY UPDATE;
            is_found := FOUND;$b$,
            e.entity_type, e.table_name), '' ORDER BY e.entity_type),
        string_agg(format($b$
        WHEN %1$L THEN
            PERFORM erp.%2$I(%3$s, p_id, p_number);$b$, e.entity_type, '_' || e.writer_prefix || '_number', v_args),
            '' ORDER BY e.entity_type)
    INTO v_state, v_number
    FROM erp_meta.entity_types AS e
    WHERE EXISTS (
        SELECT 1 FROM erp_meta._columns(format('erp.%I', e.table_name)::regclass) AS c
        WHERE c.name = 'number' AND c.kind = 'text'
    );

    EXECUTE format($f$
CREATE FUNCTION erp._json_insert(p_entity_type text, %1$s, p_rows jsonb) RETURNS SETOF jsonb
LANGUAGE plpgsql
AS $body$
BEGIN
    CASE p_entity_type%2$s%3$s
    END CASE;
END
$body$;
COMMENT ON FUNCTION erp._json_insert(text, uuid, uuid, text, text, jsonb) IS
    'Generated dispatcher of the generic inserts: convert, check, insert with events, per entity type.';
$f$, v_ctx, coalesce(v_insert, E'\n        WHEN NULL THEN NULL;'), v_unknown);
    RETURN NEXT '_json_insert';

    EXECUTE format($f$
CREATE FUNCTION erp._json_update(
    p_entity_type text, %1$s, p_id uuid, p_patch jsonb, p_expected_version bigint, p_event text
) RETURNS jsonb
LANGUAGE plpgsql
AS $body$
BEGIN
    CASE p_entity_type%2$s%3$s
    END CASE;
END
$body$;
COMMENT ON FUNCTION erp._json_update(text, uuid, uuid, text, text, uuid, jsonb, bigint, text) IS
    'Generated dispatcher of the generic updates: lock, patch or flip active, check, write with its event.';
$f$, v_ctx, coalesce(v_update, E'\n        WHEN NULL THEN NULL;'), v_unknown);
    RETURN NEXT '_json_update';

    EXECUTE format($f$
CREATE FUNCTION erp._document_state(
    p_entity_type text, p_tenant_id uuid, p_id uuid, OUT is_found boolean, OUT current_number text
)
LANGUAGE plpgsql
AS $body$
BEGIN
    -- one branch per registered document entity: with none, the arguments go unused and the
    -- function looks immutable to plpgsql_check, while each branch locks a row
    -- @plpgsql_check_options: extra_warnings = false, performance_warnings = false
    is_found := false;
    CASE p_entity_type%1$s
        ELSE
            RAISE EXCEPTION 'entity type %% has no number column', erp._clip(p_entity_type)
                USING ERRCODE = 'ZE003', HINT = 'Numbers at commit go to registered entity tables with a "number text" column.';
    END CASE;
END
$body$;
COMMENT ON FUNCTION erp._document_state(text, uuid, uuid) IS
    'Generated: whether a document row exists and its number, locking it (entity tables with a number column).';
$f$, coalesce(v_state, E'\n        WHEN NULL THEN NULL;'));
    RETURN NEXT '_document_state';

    EXECUTE format($f$
CREATE FUNCTION erp._document_number(p_entity_type text, %1$s, p_id uuid, p_number text) RETURNS void
LANGUAGE plpgsql
AS $body$
BEGIN
    -- one branch per registered document entity: with none, the arguments go unused and the
    -- function looks immutable to plpgsql_check, while each branch writes
    -- @plpgsql_check_options: extra_warnings = false, performance_warnings = false
    CASE p_entity_type%2$s
        ELSE
            RAISE EXCEPTION 'entity type %% has no number column', erp._clip(p_entity_type) USING ERRCODE = 'ZE003';
    END CASE;
END
$body$;
COMMENT ON FUNCTION erp._document_number(text, uuid, uuid, text, text, uuid, text) IS
    'Generated: writes a document''s number through its entity''s audited writer (event numbered).';
$f$, v_ctx, coalesce(v_number, E'\n        WHEN NULL THEN NULL;'));
    RETURN NEXT '_document_number';
END
$gen$;
COMMENT ON FUNCTION erp_meta.generate_dispatchers() IS
    'Generates the per-entity-type dispatchers of the generic writers and of numbering at commit.';
