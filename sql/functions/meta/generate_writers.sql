-- Generates the static audited writers of one registered entity:
--   erp._<prefix>_insert(context, p_rows erp.<table>[]) RETURNS SETOF erp.<table>
--       one INSERT ... RETURNING feeding one INSERT into the audit trail (one statement,
--       one 'created' event per row, entity_version 1);
--   erp._<prefix>_lock(p_tenant_id, p_id, p_expected_version) RETURNS erp.<table>
--       the current row, locked; ZE001 when missing in this tenant, ZE004 on version mismatch;
--   erp._<prefix>_write(context, p_old, p_new, p_event) RETURNS erp.<table>
--       writes p_new over p_old with version + 1 and one event carrying the changes;
--       returns p_old untouched (no event) when nothing changed.
-- Generating them once per migrate keeps the hot path static (cached plans, no EXECUTE).
-- The pinned search_path makes pg_get_expr schema-qualify column defaults (erp.uuid_v7()), so
-- the generated code does not depend on the search_path of the session that migrates.
CREATE OR REPLACE FUNCTION erp_meta.generate_writers(p_entity_type text) RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $gen$
DECLARE
    v_entity erp_meta.entity_types;
    v_cols text[];          -- every non-generated column, in table order
    v_values text;          -- insert expressions for v_cols
    v_sets text;            -- update assignments
    v_ctx constant text := 'p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text';
    v_std constant text[] := ARRAY['tenant_id', 'id', 'version', 'active', 'created_at', 'updated_at'];
    v_missing text[];
    v_handler text;
BEGIN
    -- plpgsql_check flags the %s pieces of the DDL below as unsanitized text: they are built
    -- from catalog names with %I / %L and pg_get_expr, or are constants (v_ctx, v_handler),
    -- and only the owner runs this at migrate time; so security warnings are off here.
    -- @plpgsql_check_options: security_warnings = false
    SELECT * INTO STRICT v_entity FROM erp_meta.entity_types WHERE entity_type = p_entity_type;

    SELECT array_agg(a.attname::text ORDER BY a.attnum) INTO v_cols
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = format('erp.%I', v_entity.table_name)::regclass
        AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';

    SELECT array_agg(s) INTO v_missing FROM unnest(v_std) AS s WHERE s <> ALL (v_cols);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'entity table erp.% lacks the standard columns %', v_entity.table_name, v_missing
            USING ERRCODE = 'ZE003';
    END IF;

    -- a column left NULL takes its declared default, as a plain INSERT would
    SELECT string_agg(
        CASE u.c
            WHEN 'tenant_id' THEN 'p_tenant_id'
            WHEN 'id' THEN 'coalesce(r.id, erp.uuid_v7())'
            WHEN 'version' THEN '1'
            WHEN 'active' THEN 'true'
            WHEN 'created_at' THEN 'pg_catalog.now()'
            WHEN 'updated_at' THEN 'pg_catalog.now()'
            ELSE CASE WHEN d.adbin IS NULL THEN format('r.%I', u.c)
                ELSE format('coalesce(r.%I, %s)', u.c, pg_catalog.pg_get_expr(d.adbin, d.adrelid)) END
        END, ', ' ORDER BY u.o)
    INTO v_values
    FROM unnest(v_cols) WITH ORDINALITY AS u (c, o)
    LEFT JOIN pg_catalog.pg_attribute AS a
        ON a.attrelid = format('erp.%I', v_entity.table_name)::regclass AND a.attname = u.c
    LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum;

    SELECT string_agg(
        CASE c
            WHEN 'version' THEN 'version = t.version + 1'
            WHEN 'updated_at' THEN 'updated_at = pg_catalog.now()'
            ELSE format('%1$I = p_new.%1$I', c)
        END, ', ' ORDER BY o)
    INTO v_sets
    FROM unnest(v_cols) WITH ORDINALITY AS u (c, o)
    WHERE c NOT IN ('tenant_id', 'id', 'created_at');

    -- constraint violations become documented SQLSTATEs (ZE002 / ZE001 / ZE003)
    v_handler := format($h$
    EXCEPTION WHEN unique_violation OR foreign_key_violation OR check_violation
        OR not_null_violation THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_constraint = CONSTRAINT_NAME,
            v_message = MESSAGE_TEXT, v_column = COLUMN_NAME;
        v_constraint := coalesce(nullif(v_constraint, ''), v_column);
        PERFORM erp._raise_constraint_error(%1$L, v_state, v_constraint, v_message, %2$s);
        RAISE;  -- not reached: _raise_constraint_error always raises
$h$, p_entity_type, '%ROW%');

    EXECUTE format($f$
CREATE OR REPLACE FUNCTION erp.%1$I(%2$s, p_rows erp.%3$I[]) RETURNS SETOF erp.%3$I
LANGUAGE plpgsql
AS $body$
DECLARE
    v_state text;
    v_constraint text;
    v_column text;
    v_message text;
BEGIN
    RETURN QUERY
    WITH ins AS (
        INSERT INTO erp.%3$I AS t (%4$s)
        SELECT %5$s FROM pg_catalog.unnest(p_rows) AS r
        RETURNING t.*
    ), ev AS (
        INSERT INTO erp.erp_audit_events (
            tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
            trace_id, payload, entity_version, changes, created_at
        )
        SELECT ins.tenant_id, erp.uuid_v7(), p_actor_user_id, p_actor_type, %6$L, ins.id,
            %7$L, p_trace_id, pg_catalog.to_jsonb(ins.*), ins.version, NULL,
            pg_catalog.clock_timestamp()
        FROM ins
    )
    SELECT * FROM ins;
%8$s
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, uuid, text, text, erp.%3$I[]) IS
    'Generated audited insert of %6$s rows (one statement, one created event per row).';
$f$,
        '_' || v_entity.writer_prefix || '_insert', v_ctx, v_entity.table_name,
        (SELECT string_agg(format('%I', c), ', ') FROM unnest(v_cols) AS c),
        v_values, p_entity_type, p_entity_type || '.created',
        replace(v_handler, '%ROW%',
            'CASE WHEN pg_catalog.cardinality(p_rows) = 1 THEN pg_catalog.to_jsonb(p_rows[1]) END'));

    EXECUTE format($f$
CREATE OR REPLACE FUNCTION erp.%1$I(p_tenant_id uuid, p_id uuid, p_expected_version bigint)
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
$f$,
        '_' || v_entity.writer_prefix || '_lock', v_entity.table_name, p_entity_type);

    EXECUTE format($f$
CREATE OR REPLACE FUNCTION erp.%1$I(%2$s, p_old erp.%3$I, p_new erp.%3$I, p_event text)
RETURNS erp.%3$I
LANGUAGE plpgsql
AS $body$
DECLARE
    v_row erp.%3$I;
    v_snapshot jsonb;
    v_state text;
    v_constraint text;
    v_column text;
    v_message text;
BEGIN
    -- a row comparison (no JSON) decides the no-op; the diff is computed once, below
    IF p_new IS NOT DISTINCT FROM p_old THEN
        RETURN p_old;  -- nothing changed: no write, no event, no new version
    END IF;
    BEGIN
        UPDATE erp.%3$I AS t SET %4$s
        WHERE t.tenant_id = p_old.tenant_id AND t.id = p_old.id
        RETURNING t.* INTO v_row;
    %5$s
    END;
    v_snapshot := pg_catalog.to_jsonb(v_row);
    PERFORM erp._audit_append(
        p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, %6$L, v_row.id,
        %6$L || '.' || p_event, v_row.version, v_snapshot,
        erp._jsonb_changes(pg_catalog.to_jsonb(p_old), v_snapshot));
    RETURN v_row;
END
$body$;
COMMENT ON FUNCTION erp.%1$I(uuid, uuid, text, text, erp.%3$I, erp.%3$I, text) IS
    'Generated audited update of one %6$s row: version + 1 and one event with the changes.';
$f$,
        '_' || v_entity.writer_prefix || '_write', v_ctx, v_entity.table_name, v_sets,
        replace(v_handler, '%ROW%', 'pg_catalog.to_jsonb(p_new)'), p_entity_type);
    RETURN QUERY SELECT '_' || v_entity.writer_prefix || s.suffix FROM unnest(ARRAY['_insert', '_lock', '_write']) AS s (suffix);
END
$gen$;
COMMENT ON FUNCTION erp_meta.generate_writers(text) IS
    'Generates erp._<prefix>_insert/_lock/_write for one registered entity type.';
