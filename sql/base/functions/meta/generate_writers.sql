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
-- dynamic SQL. sql/base/generated/ holds the output for review; a test regenerates and compares.
CREATE OR REPLACE FUNCTION erp_meta.generate_writers(p_entity_type text) RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $gen$
DECLARE
    v_entity erp_meta.entity_types;
    v_table regclass;
    v_t text;
    v_p text;
    v_ctx constant text := 'p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text';
    v_missing text[];
    v_cols text;
    v_values text;
    v_sets text;
    v_key_changed text;
    v_duplicates text;
    v_insert_cte text;
    v_patch_ok text;
    v_patch_fast text;
    v_json_fast text;
    v_json_values_one text;
    v_patch_values text;
    v_json_ok text;
    v_json_values text;
    v_rules_ok text;
    v_rules_case text;
    v_rules_fields text;
    v_rules_codes text;
    v_rules_reasons text;
    v_other boolean;
    v_update text;
    v_conversion_guard text;
    v_json_volatility text;
    v_verbs text[];
BEGIN
    -- identifiers are quoted with %I and literals with %L; expressions come from the catalog
    -- (pg_get_expr); only the owner runs this, at migrate time; it runs DDL through EXECUTE
    -- @plpgsql_check_options: security_warnings = false, performance_warnings = false
    SELECT * INTO STRICT v_entity FROM erp_meta.entity_types WHERE entity_type = p_entity_type;
    v_table := format('erp.%I', v_entity.table_name)::regclass;
    -- the verbs an update event may have: the standard ones, numbered for document tables, and
    -- the entity's own (created is the insert's)
    v_verbs := ARRAY['updated', 'archived', 'restored']
        || CASE WHEN EXISTS (SELECT 1 FROM erp_meta._columns(v_table) AS c WHERE c.name = 'number' AND c.kind = 'text')
            THEN ARRAY['numbered'] ELSE '{}'::text[] END
        || v_entity.verbs;
    v_t := format('erp.%I', v_entity.table_name);
    v_p := '_' || v_entity.writer_prefix;

    SELECT array_agg(s) INTO v_missing
    FROM unnest(ARRAY['tenant_id', 'id', 'version', 'active', 'created_at', 'updated_at']) AS s
    WHERE s NOT IN (SELECT c.name FROM erp_meta._columns(v_table) AS c WHERE NOT c.generated);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'entity table % lacks the standard columns %', v_t, v_missing USING ERRCODE = 'ZE003';
    END IF;

    SELECT string_agg(format('%I', c.name), ', ' ORDER BY c.attnum),
        string_agg(CASE c.name
            WHEN 'tenant_id' THEN 'p_tenant_id'
            WHEN 'id' THEN 'coalesce(r.id, erp.uuid_v7())'
            WHEN 'version' THEN '1'
            WHEN 'active' THEN 'true'
            WHEN 'created_at' THEN 'pg_catalog.now()'
            WHEN 'updated_at' THEN 'pg_catalog.now()'
            ELSE CASE WHEN c.default_sql IS NULL THEN format('r.%I', c.name)
                ELSE format('coalesce(r.%I, %s)', c.name, c.default_sql) END
        END, ', ' ORDER BY c.attnum),
        string_agg(CASE c.name
            WHEN 'version' THEN 'version = t.version + 1'
            WHEN 'updated_at' THEN 'updated_at = pg_catalog.now()'
            ELSE format('%1$I = p_new.%1$I', c.name)
        END, ', ' ORDER BY c.attnum) FILTER (WHERE c.name NOT IN ('tenant_id', 'id', 'created_at')),
        bool_or(c.kind = 'other')
    INTO v_cols, v_values, v_sets, v_other
    FROM erp_meta._columns(v_table) AS c WHERE NOT c.generated;

    -- ---- insert -----------------------------------------------------------------------------
    SELECT string_agg(format($probe$
    SELECT e.erp_row INTO v_row FROM %1$s
    WHERE %2$s EXISTS (SELECT 1 FROM %3$s AS t WHERE %4$s%5$s)
    ORDER BY e.erp_row LIMIT 1;
    IF v_row IS NULL THEN
        SELECT min(e.erp_row) INTO v_row FROM %1$s WHERE %2$s true GROUP BY %6$s HAVING count(*) > 1;
    END IF;
    IF v_row IS NOT NULL THEN
        RAISE EXCEPTION '%7$s with this %% (%%) already exists in this tenant%%', %8$L, erp._clip((p_rows[v_row]).%11$I::text),
            CASE WHEN pg_catalog.cardinality(p_rows) > 1 THEN pg_catalog.format(' (row %%s)', v_row) ELSE '' END
            USING ERRCODE = 'ZE002', DETAIL = %9$L,
            HINT = %10$L;
    END IF;$probe$,
        erp_meta._rows_sql(v_table, true),
        CASE WHEN u.predicate IS NOT NULL THEN format('e.erp_in_%s AND ', u.n) ELSE '' END,
        v_t,
        (SELECT string_agg(format('t.%1$I = e.%1$I', c), ' AND ') FROM unnest(u.columns) AS c),
        CASE WHEN u.predicate IS NOT NULL THEN ' AND ' || u.predicate ELSE '' END,
        (SELECT string_agg(format('e.%I', c), ', ') FROM unnest(u.columns) AS c),
        p_entity_type, u.field, 'unique index ' || u.name,
        format('Choose another %s, or update the existing record.', u.field),
        coalesce(u.sources[1], 'id')), E'\n' ORDER BY u.n)
    INTO v_duplicates
    FROM erp_meta._unique_keys(v_table) AS u;

    EXECUTE format($f$
CREATE FUNCTION erp.%1$I(p_tenant_id uuid, p_rows erp.%2$I[]) RETURNS void
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row bigint;
BEGIN
%3$s
    RAISE EXCEPTION '%4$s: a row conflicts with a row written at the same time'
        USING ERRCODE = 'ZE002', HINT = 'Read again: another transaction has just written the same key.';
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, erp.%2$I[]) IS
    'Generated: raises ZE002 for the first row of p_rows whose unique key is taken (%4$s).';
$f$, v_p || '_duplicate', v_entity.table_name, v_duplicates, p_entity_type);
    RETURN NEXT v_p || '_duplicate';

    -- the statement both inserts run (rows from erp_rows, replaced by an array or one row): the
    -- rows, ON CONFLICT DO NOTHING, feeding one created event each with the canonical snapshot
    v_insert_cte := format($c$WITH ins AS (
        INSERT INTO erp.%1$I AS t (%2$s)
        SELECT %3$s FROM erp_rows
        ON CONFLICT DO NOTHING
        RETURNING t.*
    ), ev AS (
        INSERT INTO erp.erp_audit_events (
            tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
            trace_id, payload, entity_version, changes, created_at
        )
        SELECT w.tenant_id, erp._uuid_v7_at(w.erp_at), p_actor_user_id, p_actor_type, %4$L, w.id,
            %5$L, p_trace_id, %6$s, w.version, NULL, w.erp_at
        FROM (SELECT ins.*, pg_catalog.clock_timestamp() AS erp_at FROM ins) AS w
    )$c$, v_entity.table_name, v_cols, v_values, p_entity_type, p_entity_type || '.created',
        erp_meta._snapshot_sql(v_table, 'w'));

    EXECUTE format($f$
CREATE FUNCTION erp.%1$I(%2$s, p_rows erp.%3$I[]) RETURNS SETOF erp.%3$I
LANGUAGE plpgsql
AS $body$
DECLARE
    v_written bigint;
BEGIN
    RETURN QUERY
    %4$s
    SELECT * FROM ins;
    GET DIAGNOSTICS v_written = ROW_COUNT;
    IF v_written < pg_catalog.cardinality(p_rows) THEN
        PERFORM erp.%9$I(p_tenant_id, p_rows);
    END IF;
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, uuid, text, text, erp.%3$I[]) IS
    'Generated audited insert of %6$s rows: one statement, one created event per row (ZE002 on a taken key).';
$f$, v_p || '_insert', v_ctx, v_entity.table_name, replace(v_insert_cte, 'FROM erp_rows', 'FROM pg_catalog.unnest(p_rows) AS r'),
        NULL, p_entity_type, NULL, NULL, v_p || '_duplicate');
    RETURN NEXT v_p || '_insert';

    -- one row, for the entity functions: a scalar call (no set-returning function, no array)
    EXECUTE format($f$
CREATE FUNCTION erp.%1$I(%2$s, p_row erp.%3$I) RETURNS erp.%3$I
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row erp.%3$I;
BEGIN
    %4$s
    SELECT * INTO v_row FROM ins;
    IF NOT FOUND THEN
        PERFORM erp.%9$I(p_tenant_id, ARRAY[p_row]);
    END IF;
    RETURN v_row;
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, uuid, text, text, erp.%3$I) IS
    'Generated audited insert of one %6$s row with its created event (ZE002 on a taken key).';
$f$, v_p || '_create', v_ctx, v_entity.table_name, replace(v_insert_cte, 'FROM erp_rows', 'FROM (SELECT (p_row).*) AS r'),
        NULL, p_entity_type, NULL, NULL, v_p || '_duplicate');
    RETURN NEXT v_p || '_create';

    -- ---- lock -------------------------------------------------------------------------------
    EXECUTE format($f$
CREATE FUNCTION erp.%1$I(p_tenant_id uuid, p_id uuid, p_expected_version bigint)
RETURNS erp.%2$I
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row erp.%2$I;
BEGIN
    SELECT t.* INTO v_row FROM erp.%2$I AS t
    WHERE t.tenant_id = p_tenant_id AND t.id = p_id
    FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%3$s %% not found in this tenant', coalesce(p_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    IF p_expected_version IS NOT NULL AND v_row.version <> p_expected_version THEN
        RAISE EXCEPTION '%3$s %% is at version %%, not %%', p_id, v_row.version, p_expected_version
            USING ERRCODE = 'ZE004',
            HINT = 'Someone changed it in the meantime: read it again and re-apply your change.';
    END IF;
    RETURN v_row;
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, uuid, bigint) IS
    'Generated: the current %3$s row locked for update (ZE001 missing, ZE004 stale version).';
$f$, v_p || '_lock', v_entity.table_name, p_entity_type);
    RETURN NEXT v_p || '_lock';

    -- ---- write ------------------------------------------------------------------------------
    SELECT string_agg(DISTINCT format('p_new.%1$I IS DISTINCT FROM p_old.%1$I', s), ' OR ')
    INTO v_key_changed
    FROM erp_meta._unique_keys(v_table) AS u CROSS JOIN LATERAL unnest(u.sources) AS s;
    v_update := format($u$
        WITH upd AS (
            UPDATE erp.%1$I AS t SET %2$s
            WHERE t.tenant_id = p_tenant_id AND t.id = p_old.id
            RETURNING t.*
        ), ev AS (
            INSERT INTO erp.erp_audit_events (
                tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
                trace_id, payload, entity_version, changes, created_at
            )
            SELECT w.tenant_id, erp._uuid_v7_at(w.erp_at), p_actor_user_id, p_actor_type, %3$L, w.id,
                %3$L || '.' || p_event, p_trace_id, %4$s, w.version, %5$s, w.erp_at
            FROM (SELECT upd.*, pg_catalog.clock_timestamp() AS erp_at FROM upd) AS w
        )
        SELECT * INTO v_row FROM upd;$u$,
        v_entity.table_name, v_sets, p_entity_type, erp_meta._snapshot_sql(v_table, 'w'),
        coalesce(erp_meta._changes_sql(v_table, 'p_old', 'w'), 'NULL'));

    EXECUTE format($f$
CREATE FUNCTION erp.%1$I(%2$s, p_old erp.%3$I, p_new erp.%3$I, p_event text)
RETURNS erp.%3$I
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row erp.%3$I;
    v_constraint text;
BEGIN
    IF p_event IS NULL OR p_event NOT IN (%8$s) THEN
        RAISE EXCEPTION 'unknown event %% for %6$s', erp._clip(p_event, 40)
            USING ERRCODE = 'ZE003', HINT = 'The events of %6$s: %9$s.';
    END IF;
    -- a row comparison (no JSON) decides the no-op
    IF p_new IS NOT DISTINCT FROM p_old THEN
        RETURN p_old;  -- nothing changed: no write, no event, no new version
    END IF;
    IF %4$s THEN
        -- a unique key changes (rare): a concurrent writer of the same key makes this fail
        BEGIN%5$s
        EXCEPTION WHEN unique_violation THEN
            GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
            RAISE EXCEPTION '%6$s with this %% already exists in this tenant',
                coalesce((SELECT f.field FROM erp_meta.constraint_fields AS f
                    WHERE f.table_name = %7$L AND f.constraint_name = v_constraint), v_constraint)
                USING ERRCODE = 'ZE002', DETAIL = pg_catalog.format('constraint %%s', v_constraint);
        END;
    ELSE%5$s
    END IF;
    RETURN v_row;
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, uuid, text, text, erp.%3$I, erp.%3$I, text) IS
    'Generated audited update of one %6$s row: version + 1 and one event with the changes.';
$f$, v_p || '_write', v_ctx, v_entity.table_name, coalesce(v_key_changed, 'false'), v_update,
        p_entity_type, v_entity.table_name,
        (SELECT string_agg(quote_literal(v), ', ') FROM unnest(v_verbs) AS v),
        array_to_string(v_verbs, ', '));
    RETURN NEXT v_p || '_write';

    -- ---- JSON in: patches and inserts -------------------------------------------------------
    SELECT string_agg(format('WHEN %L THEN %s', c.name,
            erp_meta._json_ok_sql(c.kind, 'k.value', c.typmod, c.int_min, c.int_max)), ' ' ORDER BY c.attnum)
        FILTER (WHERE c.name = ANY (v_entity.patch_keys)),
        string_agg(format('(NOT p_patch ? %1$L OR coalesce(%2$s, false))', c.name,
            erp_meta._json_ok_sql(c.kind, format('(p_patch -> %L)', c.name), c.typmod, c.int_min, c.int_max)),
            ' AND ' ORDER BY c.attnum) FILTER (WHERE c.name = ANY (v_entity.patch_keys)),
        string_agg(CASE WHEN c.name = ANY (v_entity.patch_keys)
                THEN format('CASE WHEN p_patch ? %1$L THEN %2$s ELSE p_old.%3$I END', c.name,
                    erp_meta._json_cast_sql(c.kind, c.type_sql, format('(p_patch -> %L)', c.name)), c.name)
                ELSE format('p_old.%I', c.name) END, ', ' ORDER BY c.attnum),
        string_agg(format('WHEN %L THEN %s', c.name,
            erp_meta._json_ok_sql(c.kind, 'k.value', c.typmod, c.int_min, c.int_max)), ' ' ORDER BY c.attnum)
        FILTER (WHERE c.name = ANY (v_entity.insert_keys)),
        string_agg(CASE WHEN c.name = ANY (v_entity.insert_keys)
                THEN erp_meta._json_cast_sql(c.kind, c.type_sql, format('(j.value -> %L)', c.name))
                ELSE format('NULL::%s', c.type_sql) END, ', ' ORDER BY c.attnum),
        string_agg(format('(NOT (p_rows -> 0) ? %1$L OR coalesce(%2$s, false))', c.name,
            erp_meta._json_ok_sql(c.kind, format('((p_rows -> 0) -> %L)', c.name), c.typmod, c.int_min, c.int_max)),
            ' AND ' ORDER BY c.attnum) FILTER (WHERE c.name = ANY (v_entity.insert_keys)),
        string_agg(CASE WHEN c.name = ANY (v_entity.insert_keys)
                THEN erp_meta._json_cast_sql(c.kind, c.type_sql, format('((p_rows -> 0) -> %L)', c.name))
                ELSE format('NULL::%s', c.type_sql) END, ', ' ORDER BY c.attnum)
    INTO v_patch_ok, v_patch_fast, v_patch_values, v_json_ok, v_json_values, v_json_fast, v_json_values_one
    FROM erp_meta._columns(v_table) AS c;
    -- values of other types (enums, arrays, ...) are cast from text and can still be refused:
    -- only then does the conversion run in an exception block
    -- converting dates and timestamps from text depends on session settings (for plpgsql_check,
    -- at least): STABLE; everything else is a pure function of its arguments
    SELECT CASE WHEN bool_or(c.kind IN ('date', 'timestamptz', 'timestamp', 'other')) THEN 'STABLE' ELSE 'IMMUTABLE' END
    INTO v_json_volatility
    FROM erp_meta._columns(v_table) AS c
    WHERE c.name = ANY (v_entity.patch_keys) OR c.name = ANY (v_entity.insert_keys);
    v_conversion_guard := CASE WHEN v_other THEN format($g$
    EXCEPTION WHEN data_exception THEN
        RAISE EXCEPTION '%s: %%', pg_catalog.left(SQLERRM, 200) USING ERRCODE = 'ZE003',
            HINT = 'Check the types of the values.';$g$, p_entity_type) ELSE '' END;

    EXECUTE format($f$
CREATE FUNCTION erp.%1$I(p_old erp.%2$I, p_patch jsonb) RETURNS erp.%2$I
LANGUAGE plpgsql %8$s
AS $body$
DECLARE
    v_unknown text[];
    v_bad text[];
    v_new erp.%2$I;
BEGIN
    IF p_patch IS NULL OR pg_catalog.jsonb_typeof(p_patch) <> 'object' THEN
        RAISE EXCEPTION 'patch for %3$s must be a JSON object'
            USING ERRCODE = 'ZE003', HINT = 'Pass {"field": value, ...} with the fields to change.';
    END IF;
    -- one expression for a good patch; the query below names what is wrong with a bad one
    IF NOT ((p_patch - %9$L::text[]) = '{}'::jsonb AND %10$s) THEN
        SELECT pg_catalog.array_agg(k.key ORDER BY k.key) FILTER (WHERE c.ok IS NULL),
            pg_catalog.array_agg(k.key ORDER BY k.key) FILTER (WHERE NOT c.ok)
        INTO v_unknown, v_bad
        FROM pg_catalog.jsonb_each(p_patch) AS k
        CROSS JOIN LATERAL (SELECT CASE k.key %4$s END AS ok) AS c;
        IF v_unknown IS NOT NULL THEN
            RAISE EXCEPTION 'patch for %3$s has unknown or read-only keys: %%', erp._clip_list(v_unknown)
                USING ERRCODE = 'ZE003', HINT = %5$L;
        END IF;
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION 'patch for %3$s has values of the wrong type for: %%', erp._clip_list(v_bad)
                USING ERRCODE = 'ZE003',
                HINT = 'Text is a JSON string, numbers a JSON number or a decimal string, uuids and dates strings, '
                'booleans true or false.';
        END IF;
    END IF;
    BEGIN
        SELECT %6$s INTO v_new;%7$s
    END;
    RETURN v_new;
END
$body$;
COMMENT ON FUNCTION erp.%1$I(erp.%2$I, jsonb) IS
    'Generated: p_old with p_patch applied; ZE003 for unknown or read-only keys and values of the wrong type.';
$f$, v_p || '_patch', v_entity.table_name, p_entity_type, coalesce(v_patch_ok, 'WHEN NULL THEN NULL'),
        format('Keys that may change: %s.', array_to_string(v_entity.patch_keys, ', ')),
        v_patch_values, v_conversion_guard, v_json_volatility, v_entity.patch_keys, coalesce(v_patch_fast, 'true'));
    RETURN NEXT v_p || '_patch';

    EXECUTE format($f$
CREATE FUNCTION erp.%1$I(p_rows jsonb) RETURNS erp.%2$I[]
LANGUAGE plpgsql %8$s
AS $body$
DECLARE
    v_row bigint;
    v_key text;
    v_reason text;
    v_result erp.%2$I[];
BEGIN
    IF p_rows IS NULL OR pg_catalog.jsonb_typeof(p_rows) <> 'array' OR pg_catalog.jsonb_array_length(p_rows) = 0 THEN
        RAISE EXCEPTION '%3$s rows must be a non-empty JSON array of objects' USING ERRCODE = 'ZE003';
    END IF;
    IF pg_catalog.jsonb_array_length(p_rows) > 100000 THEN
        RAISE EXCEPTION '%3$s: at most 100000 rows per call, not %%', pg_catalog.jsonb_array_length(p_rows)
            USING ERRCODE = 'ZE003', HINT = 'Split the rows over several calls.';
    END IF;
    -- one good object (a single insert): checked and converted by expressions, no query
    IF pg_catalog.jsonb_array_length(p_rows) = 1 AND pg_catalog.jsonb_typeof(p_rows -> 0) = 'object'
        AND pg_catalog.octet_length((p_rows -> 0)::text) <= 65536
        AND ((p_rows -> 0) - %9$L::text[]) = '{}'::jsonb AND %10$s THEN
        BEGIN
            v_result := ARRAY[ROW(%11$s)::erp.%2$I];%7$s
        END;
        RETURN v_result;
    END IF;
    SELECT x.erp_row, x.key, x.reason INTO v_row, v_key, v_reason
    FROM (
        SELECT j.erp_row, NULL::text AS key, 'is not a JSON object' AS reason
        FROM pg_catalog.jsonb_array_elements(p_rows) WITH ORDINALITY AS j (value, erp_row)
        WHERE pg_catalog.jsonb_typeof(j.value) <> 'object'
        UNION ALL
        SELECT j.erp_row, NULL, 'is larger than 64 kB'
        FROM pg_catalog.jsonb_array_elements(p_rows) WITH ORDINALITY AS j (value, erp_row)
        WHERE pg_catalog.octet_length(j.value::text) > 65536
        UNION ALL
        SELECT j.erp_row, k.key, CASE WHEN c.ok IS NULL THEN 'is not a column that may be set'
            ELSE 'has a value of the wrong type' END
        FROM pg_catalog.jsonb_array_elements(p_rows) WITH ORDINALITY AS j (value, erp_row)
        CROSS JOIN LATERAL pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(j.value) = 'object'
            THEN j.value ELSE '{}' END) AS k
        CROSS JOIN LATERAL (SELECT CASE k.key %4$s END AS ok) AS c
        WHERE c.ok IS NOT TRUE
    ) AS x
    ORDER BY x.erp_row, x.key LIMIT 1;
    IF v_row IS NOT NULL THEN
        RAISE EXCEPTION '%3$s row %%: %%', v_row, coalesce('key ' || erp._clip(v_key, 40) || ' ', '') || v_reason
            USING ERRCODE = 'ZE003', HINT = %5$L;
    END IF;
    BEGIN
        SELECT pg_catalog.array_agg(ROW(%6$s)::erp.%2$I ORDER BY j.erp_row) INTO v_result
        FROM pg_catalog.jsonb_array_elements(p_rows) WITH ORDINALITY AS j (value, erp_row);%7$s
    END;
    RETURN v_result;
END
$body$;
COMMENT ON FUNCTION erp.%1$I(jsonb) IS
    'Generated: a JSON array of %3$s objects as table rows; ZE003 for unknown keys and values of the wrong type.';
$f$, v_p || '_from_json', v_entity.table_name, p_entity_type, coalesce(v_json_ok, 'WHEN NULL THEN NULL'),
        format('Keys accepted: %s.', array_to_string(v_entity.insert_keys, ', ')),
        v_json_values, v_conversion_guard, v_json_volatility, v_entity.insert_keys, coalesce(v_json_fast, 'true'),
        v_json_values_one);
    RETURN NEXT v_p || '_from_json';

    -- ---- the generic check --------------------------------------------------------------------
    SELECT string_agg(format('(%s)', r.ok_sql), ' AND ' ORDER BY r.n),
        string_agg(format('WHEN NOT (%s) THEN %s', r.ok_sql, r.n), ' ' ORDER BY r.n),
        string_agg(quote_literal(r.field), ', ' ORDER BY r.n),
        string_agg(quote_literal(r.errcode), ', ' ORDER BY r.n),
        string_agg(quote_literal(r.reason), ', ' ORDER BY r.n)
    INTO v_rules_ok, v_rules_case, v_rules_fields, v_rules_codes, v_rules_reasons
    FROM erp_meta._check_rules(v_table) AS r;

    EXECUTE format($f$
CREATE FUNCTION erp.%1$I(p_tenant_id uuid, p_rows erp.%2$I[], p_defaults boolean) RETURNS void
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row bigint;
    v_rule integer;
BEGIN
    IF p_defaults THEN
        SELECT e.erp_row, CASE %3$s END INTO v_row, v_rule FROM %4$s
        WHERE NOT (%5$s) ORDER BY e.erp_row LIMIT 1;
    ELSE
        SELECT e.erp_row, CASE %3$s END INTO v_row, v_rule FROM %6$s
        WHERE NOT (%5$s) ORDER BY e.erp_row LIMIT 1;
    END IF;
    IF v_rule IS NOT NULL THEN
        RAISE EXCEPTION '%7$s: %% %%', (ARRAY[%8$s])[v_rule], (ARRAY[%9$s])[v_rule]
            || CASE WHEN pg_catalog.cardinality(p_rows) > 1 THEN pg_catalog.format(' (row %%s)', v_row) ELSE '' END
            USING ERRCODE = (ARRAY[%10$s])[v_rule];
    END IF;
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, erp.%2$I[], boolean) IS
    'Generated: ZE003 (ZE001 for a missing reference) for the first row the table''s constraints would refuse.';
$f$, v_p || '_check', v_entity.table_name, coalesce(v_rules_case, 'WHEN false THEN 0'),
        erp_meta._rows_sql(v_table, true), coalesce(v_rules_ok, 'true'), erp_meta._rows_sql(v_table, false),
        p_entity_type, v_rules_fields, v_rules_reasons, v_rules_codes);
    RETURN NEXT v_p || '_check';

    -- ---- numbering at commit (document tables) -----------------------------------------------
    IF EXISTS (SELECT 1 FROM erp_meta._columns(v_table) AS c WHERE c.name = 'number' AND c.kind = 'text') THEN
        EXECUTE format($f$
CREATE FUNCTION erp.%1$I(%2$s, p_id uuid, p_number text) RETURNS erp.%3$I
LANGUAGE plpgsql
AS $body$
DECLARE
    v_old erp.%3$I := erp.%4$I(p_tenant_id, p_id, NULL);
    v_new erp.%3$I := v_old;
BEGIN
    IF v_old.number IS NOT NULL THEN
        RAISE EXCEPTION '%5$s %% is already numbered %%', p_id, erp._clip(v_old.number)
            USING ERRCODE = 'ZE009', HINT = 'A document is numbered once: explicitly or at commit, not both.';
    END IF;
    v_new.number := p_number;
    RETURN erp.%6$I(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'numbered');
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, uuid, text, text, uuid, text) IS
    'Generated: writes the number of a %5$s document (event numbered); ZE009 if it already has one.';
$f$, v_p || '_number', v_ctx, v_entity.table_name, v_p || '_lock', p_entity_type, v_p || '_write');
        RETURN NEXT v_p || '_number';
    END IF;
END
$gen$;
COMMENT ON FUNCTION erp_meta.generate_writers(text) IS
    'Generates the static writers of one registered entity type; returns their names.';
