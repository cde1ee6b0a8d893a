-- Generates the static audited writers of one registered entity (prefix p, table T, type E):
--   erp._p_insert(context, p_rows T[]) RETURNS SETOF T
--       one statement: INSERT ... ON CONFLICT DO NOTHING feeding the audit insert (one
--       'created' event per row, canonical snapshot); a conflicting row is ZE002 naming its
--       field (erp._p_duplicate). No exception block: no subtransaction per write.
--   erp._p_create(context, p_row T) RETURNS T   the same for one row, called as an expression
--   erp._p_duplicate(p_tenant_id, p_rows T[])   raises ZE002 for the first row that conflicts
--   erp._p_lock(p_tenant_id, p_id, p_expected_version) RETURNS T
--       the row locked FOR NO KEY UPDATE; ZE001 when missing in this tenant, ZE004 when stale.
--   erp._p_write(context, p_old T, p_new T, p_event) RETURNS T
--       one statement: UPDATE (version + 1) feeding the event and its changes, computed from
--       the typed rows; p_old untouched (no event) when nothing changed. Only a write that
--       changes a unique key runs in an exception block (to map a lost race to ZE002).
--   erp._p_patch(p_old T, p_patch jsonb) RETURNS T   patch keys and JSON types checked (ZE003)
--   erp._p_from_json(p_rows jsonb) RETURNS T[]        JSON objects checked and converted (ZE003)
--   erp._p_check(p_tenant_id, p_rows T[], p_defaults) what the table's constraints would refuse,
--       refused first with the field named: required values, size limits, CHECK constraints
--       (ZE003), references to missing rows (ZE001). The generic writers call it.
--   erp._p_number(context, p_id, p_number) RETURNS T  only for tables with a "number" column
-- Generated at every migrate from the catalog, so the hot path reads no catalog and runs no
-- dynamic SQL. Each kind is a template (sql/base/functions/meta/templates/_template_<kind>.sql)
-- rendered by erp_meta._render; the SQL computed from the catalog comes from the erp_meta._*_sql
-- helpers, a list one item per line. sql/<module>/generated/ holds the output for review; a
-- test regenerates and compares.
CREATE OR REPLACE FUNCTION erp_meta.generate_writers(p_entity_type text) RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $gen$
DECLARE
    v_entity erp_meta.entity_types;
    v_table regclass;
    v_t text;
    v_p text;
    v_missing text[];
    v_names jsonb;
    v_cols text;
    v_values text;
    v_sets text;
    v_audit text;
    v_patch jsonb;
    v_json jsonb;
    v_rules jsonb;
    v_other boolean;
    v_number boolean;
    v_json_volatility text;
    v_verbs text[];
BEGIN
    -- identifiers are quoted with %I and literals with %L; expressions come from the catalog
    -- (pg_get_expr); only the owner runs this, at migrate time (erp_meta._generate runs the DDL)
    SELECT * INTO STRICT v_entity FROM erp_meta.entity_types WHERE entity_type = p_entity_type;
    v_table := format('erp.%I', v_entity.table_name)::regclass;
    v_t := format('erp.%I', v_entity.table_name);
    v_p := '_' || v_entity.writer_prefix;
    v_number := EXISTS (SELECT 1 FROM erp_meta._columns(v_table) AS c WHERE c.name = 'number' AND c.kind = 'text');
    -- the verbs an update event may have: the standard ones, numbered for document tables, and
    -- the entity's own (created is the insert's)
    v_verbs := ARRAY['updated', 'archived', 'restored']
        || CASE WHEN v_number THEN ARRAY['numbered'] ELSE '{}'::text[] END
        || v_entity.verbs;
    -- the values every template has: the function, the table and the entity type
    v_names := jsonb_build_object('table', v_t, 'entity', p_entity_type);

    SELECT array_agg(s) INTO v_missing
    FROM unnest(ARRAY['tenant_id', 'id', 'version', 'active', 'created_at', 'updated_at']) AS s
    WHERE s NOT IN (SELECT c.name FROM erp_meta._columns(v_table) AS c WHERE NOT c.generated);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'entity table % lacks the standard columns %', v_t, v_missing USING ERRCODE = 'ZE003';
    END IF;

    SELECT string_agg(format('%I', c.name), E',\n' ORDER BY c.attnum),
        string_agg(CASE c.name
            WHEN 'tenant_id' THEN 'p_tenant_id'
            WHEN 'id' THEN 'coalesce(r.id, erp.uuid_v7())'
            WHEN 'version' THEN '1'
            WHEN 'active' THEN 'true'
            WHEN 'created_at' THEN 'pg_catalog.now()'
            WHEN 'updated_at' THEN 'pg_catalog.now()'
            ELSE CASE WHEN c.default_sql IS NULL THEN format('r.%I', c.name)
                ELSE format('coalesce(r.%I, %s)', c.name, c.default_sql) END
        END, E',\n' ORDER BY c.attnum),
        string_agg(CASE c.name
            WHEN 'version' THEN 'version = t.version + 1'
            WHEN 'updated_at' THEN 'updated_at = pg_catalog.now()'
            ELSE format('%1$I = p_new.%1$I', c.name)
        END, E',\n    ' ORDER BY c.attnum) FILTER (WHERE c.name NOT IN ('tenant_id', 'id', 'created_at')),
        bool_or(c.kind = 'other')
    INTO v_cols, v_values, v_sets, v_other
    FROM erp_meta._columns(v_table) AS c WHERE NOT c.generated;

    -- ---- insert -----------------------------------------------------------------------------
    RETURN NEXT erp_meta._generate(v_p || '_duplicate', erp_meta._template_duplicate(), v_names || jsonb_build_object(
        'probes', coalesce((
            SELECT string_agg(erp_meta._fragment(erp_meta._template_duplicate_probe(), jsonb_build_object(
                'rows', erp_meta._rows_sql(v_table, true),
                'partial', CASE WHEN u.predicate IS NOT NULL THEN format('e.erp_in_%s AND ', u.n) ELSE '' END,
                'table', v_t,
                'match', (SELECT string_agg(format('t.%1$I = e.%1$I', c), E'\n    AND ') FROM unnest(u.columns) AS c),
                'predicate', CASE WHEN u.predicate IS NOT NULL THEN E'\n    AND ' || u.predicate ELSE '' END,
                'key', (SELECT string_agg(format('e.%I', c), ', ') FROM unnest(u.columns) AS c),
                'entity', p_entity_type,
                'field', quote_literal(u.field),
                'source', format('%I', coalesce(u.sources[1], 'id')),
                'detail', quote_literal('unique index ' || u.name),
                'hint', quote_literal(format('Choose another %s, or update the existing record.', u.field)))),
                E'\n' ORDER BY u.n)
            FROM erp_meta._unique_keys(v_table) AS u), '')));

    -- the statement both inserts run, from an array or from one row
    v_audit := erp_meta._fragment(erp_meta._template_audit_event(), jsonb_build_object(
        'source', 'ins',
        'entity', quote_literal(p_entity_type),
        'event', quote_literal(p_entity_type || '.created'),
        'snapshot', erp_meta._snapshot_sql(v_table, 'w'),
        'changes', 'NULL'));
    RETURN NEXT erp_meta._generate(v_p || '_insert', erp_meta._template_insert(), v_names || jsonb_build_object(
        'statement', erp_meta._fragment(erp_meta._template_insert_rows(), jsonb_build_object(
            'table', v_t, 'columns', v_cols, 'values', v_values, 'audit', v_audit,
            'rows', 'pg_catalog.unnest(p_rows) AS r')),
        'duplicate', format('%I', v_p || '_duplicate')));
    RETURN NEXT erp_meta._generate(v_p || '_create', erp_meta._template_create(), v_names || jsonb_build_object(
        'statement', erp_meta._fragment(erp_meta._template_insert_rows(), jsonb_build_object(
            'table', v_t, 'columns', v_cols, 'values', v_values, 'audit', v_audit,
            'rows', '(SELECT (p_row).*) AS r')),
        'duplicate', format('%I', v_p || '_duplicate')));

    -- ---- lock and write ---------------------------------------------------------------------
    RETURN NEXT erp_meta._generate(v_p || '_lock', erp_meta._template_lock(), v_names);
    RETURN NEXT erp_meta._generate(v_p || '_write', erp_meta._template_write(), v_names || jsonb_build_object(
        'table_name', quote_literal(v_entity.table_name),
        'verbs', (SELECT string_agg(quote_literal(v), ', ') FROM unnest(v_verbs) AS v),
        'verb_hint', erp_meta._literal_sql(format('The events of %s: %s.', p_entity_type,
            array_to_string(v_verbs, ', '))),
        'key_changed', coalesce((
            SELECT string_agg(DISTINCT format('p_new.%1$I IS DISTINCT FROM p_old.%1$I', s), E'\n    OR ')
            FROM erp_meta._unique_keys(v_table) AS u CROSS JOIN LATERAL unnest(u.sources) AS s), 'false'),
        'statement', erp_meta._fragment(erp_meta._template_update_rows(), jsonb_build_object(
            'table', v_t,
            'sets', v_sets,
            'audit', erp_meta._fragment(erp_meta._template_audit_event(), jsonb_build_object(
                'source', 'upd',
                'entity', quote_literal(p_entity_type),
                'event', quote_literal(p_entity_type) || ' || ''.'' || p_event',
                'snapshot', erp_meta._snapshot_sql(v_table, 'w'),
                'changes', coalesce(erp_meta._changes_sql(v_table, 'p_old', 'w'), 'NULL')))))));

    -- ---- JSON in: patches and inserts -------------------------------------------------------
    -- converting dates and timestamps from text depends on session settings (for plpgsql_check,
    -- at least): STABLE; everything else is a pure function of its arguments
    SELECT CASE WHEN bool_or(c.kind IN ('date', 'timestamptz', 'timestamp', 'other')) THEN 'STABLE' ELSE 'IMMUTABLE' END
    INTO v_json_volatility
    FROM erp_meta._columns(v_table) AS c
    WHERE c.name = ANY (v_entity.patch_keys) OR c.name = ANY (v_entity.insert_keys);
    -- values of other types (enums, arrays, ...) are cast from text and can still be refused:
    -- only then does the conversion run in an exception block
    v_names := v_names || jsonb_build_object('volatility', v_json_volatility,
        'guard', CASE WHEN v_other THEN erp_meta._fragment(erp_meta._template_conversion_guard(),
            jsonb_build_object('entity', p_entity_type)) ELSE '' END);
    -- for a patch (p_patch, keys that may change) and for new rows (the first row of p_rows, keys
    -- that may be set): the check of one value per key, and of all the keys given at once
    SELECT jsonb_build_object(
            'key_cases', coalesce(string_agg(format('WHEN %L THEN %s', c.name, erp_meta._json_ok_sql(c.kind,
                'k.value', c.typmod, c.int_min, c.int_max)), E'\n' ORDER BY c.attnum) FILTER (WHERE k.is_patch),
                'WHEN NULL THEN NULL'),
            'keys_ok', coalesce(string_agg(format(E'(NOT p_patch ? %1$L\n    OR coalesce(%2$s, false))', c.name,
                erp_meta._json_ok_sql(c.kind, format('(p_patch -> %L)', c.name), c.typmod, c.int_min, c.int_max)),
                E'\nAND ' ORDER BY c.attnum) FILTER (WHERE k.is_patch), 'true')),
        jsonb_build_object(
            'key_cases', coalesce(string_agg(format('WHEN %L THEN %s', c.name, erp_meta._json_ok_sql(c.kind,
                'k.value', c.typmod, c.int_min, c.int_max)), E'\n' ORDER BY c.attnum) FILTER (WHERE k.is_insert),
                'WHEN NULL THEN NULL'),
            'keys_ok', coalesce(string_agg(format(E'(NOT (p_rows -> 0) ? %1$L\n    OR coalesce(%2$s, false))', c.name,
                erp_meta._json_ok_sql(c.kind, format('((p_rows -> 0) -> %L)', c.name), c.typmod, c.int_min,
                c.int_max)), E'\nAND ' ORDER BY c.attnum) FILTER (WHERE k.is_insert), 'true'))
    INTO v_patch, v_json
    FROM erp_meta._columns(v_table) AS c
    CROSS JOIN LATERAL (SELECT c.name = ANY (v_entity.patch_keys) AS is_patch,
        c.name = ANY (v_entity.insert_keys) AS is_insert) AS k;
    SELECT v_patch || jsonb_build_object('values', string_agg(CASE WHEN c.name = ANY (v_entity.patch_keys)
                THEN format(E'CASE WHEN p_patch ? %1$L\n    THEN %2$s\n    ELSE p_old.%3$I END', c.name,
                    erp_meta._json_cast_sql(c.kind, c.type_sql, format('(p_patch -> %L)', c.name)), c.name)
                ELSE format('p_old.%I', c.name) END, E',\n' ORDER BY c.attnum)),
        v_json || jsonb_build_object('values', string_agg(CASE WHEN c.name = ANY (v_entity.insert_keys)
                THEN erp_meta._json_cast_sql(c.kind, c.type_sql, format('(j.value -> %L)', c.name))
                ELSE format('NULL::%s', c.type_sql) END, E',\n' ORDER BY c.attnum),
            'values_one', string_agg(CASE WHEN c.name = ANY (v_entity.insert_keys)
                THEN erp_meta._json_cast_sql(c.kind, c.type_sql, format('((p_rows -> 0) -> %L)', c.name))
                ELSE format('NULL::%s', c.type_sql) END, E',\n' ORDER BY c.attnum))
    INTO v_patch, v_json
    FROM erp_meta._columns(v_table) AS c;
    RETURN NEXT erp_meta._generate(v_p || '_patch', erp_meta._template_patch(), v_names || v_patch || jsonb_build_object(
        'keys', erp_meta._literal_sql(v_entity.patch_keys::text),
        'hint', erp_meta._literal_sql(format('Keys that may change: %s.', array_to_string(v_entity.patch_keys, ', ')))));
    RETURN NEXT erp_meta._generate(v_p || '_from_json', erp_meta._template_from_json(), v_names || v_json
        || jsonb_build_object(
            'keys', erp_meta._literal_sql(v_entity.insert_keys::text),
            'hint', erp_meta._literal_sql(format('Keys accepted: %s.', array_to_string(v_entity.insert_keys, ', ')))));
    v_names := v_names - 'volatility' - 'guard';

    -- ---- the generic check --------------------------------------------------------------------
    SELECT jsonb_build_object(
            'rule_cases', coalesce(string_agg(format('WHEN NOT (%s)%sTHEN %s', r.ok_sql,
                CASE WHEN r.ok_sql LIKE E'%\n%' THEN E'\n    ' ELSE ' ' END, r.n), E'\n' ORDER BY r.n),
                'WHEN false THEN 0'),
            'rules_ok', coalesce(string_agg(format('(%s)', r.ok_sql), E'\nAND ' ORDER BY r.n), 'true')),
        jsonb_build_object(
            'fields', coalesce(string_agg(quote_literal(r.field), E',\n' ORDER BY r.n), ''),
            'reasons', coalesce(string_agg(quote_literal(r.reason), E',\n' ORDER BY r.n), ''),
            'errcodes', coalesce(string_agg(quote_literal(r.errcode), E',\n' ORDER BY r.n), ''))
    INTO v_rules, v_json
    FROM erp_meta._check_rules(v_table) AS r;
    RETURN NEXT erp_meta._generate(v_p || '_check', erp_meta._template_check(), v_names || v_json || jsonb_build_object(
        'first_with_defaults', erp_meta._fragment(erp_meta._template_check_first(),
            v_rules || jsonb_build_object('rows', erp_meta._rows_sql(v_table, true))),
        'first', erp_meta._fragment(erp_meta._template_check_first(),
            v_rules || jsonb_build_object('rows', erp_meta._rows_sql(v_table, false)))));

    -- ---- numbering at commit (document tables) -----------------------------------------------
    IF v_number THEN
        RETURN NEXT erp_meta._generate(v_p || '_number', erp_meta._template_number(),
            v_names || erp_meta._writer_names(v_entity.writer_prefix, '{lock,write}'));
    END IF;
END
$gen$;
COMMENT ON FUNCTION erp_meta.generate_writers(text) IS
    'Generates the static writers of one registered entity type from their templates; returns their names.';
