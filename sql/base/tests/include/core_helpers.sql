-- Helpers shared by the audit-core pgTAP files (included with \ir after BEGIN; they live in
-- pg_temp, so the test's ROLLBACK removes them). Not a test file: pg_prove runs only
-- sql/base/tests/*.sql.

-- A fingerprint of every table in schemas erp and erp_meta (row count and md5 of the rows):
-- equal fingerprints before and after a refused call prove that nothing was written.
-- SECURITY DEFINER so that it also works while a test has switched to an application role.
CREATE FUNCTION pg_temp.db_state() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_table regclass;
    v_part text;
    v_state text := '';
BEGIN
    FOR v_table IN
        SELECT c.oid::regclass FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
            AND c.relkind IN ('r', 'p')
        ORDER BY c.oid::regclass::text
    LOOP
        EXECUTE format(
            'SELECT count(*) || '':'' || md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) '
            'FROM %s AS t', v_table)
        INTO v_part;
        v_state := v_state || v_table::text || '=' || v_part || E'\n';
    END LOOP;
    RETURN v_state;
END
$fn$;

-- throws_ok plus "nothing written": two tests per refusal.
CREATE FUNCTION pg_temp.refused(p_sql text, p_state text, p_desc text) RETURNS SETOF text
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_before text := pg_temp.db_state();
BEGIN
    RETURN NEXT throws_ok(p_sql, p_state, NULL, p_desc);
    RETURN NEXT is(pg_temp.db_state(), v_before, p_desc || ': nothing written');
END
$fn$;

-- The same, with the statement run as p_role (SET LOCAL ROLE ... RESET ROLE).
CREATE FUNCTION pg_temp.refused_as(p_role name, p_sql text, p_state text, p_desc text)
RETURNS SETOF text
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_before text := pg_temp.db_state();
    v_result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    v_result := throws_ok(p_sql, p_state, NULL, p_desc);
    RESET ROLE;
    RETURN NEXT v_result;
    RETURN NEXT is(pg_temp.db_state(), v_before, p_desc || ': nothing written');
END
$fn$;

-- One throws_ok run as p_role (no state check; for the large bypass matrix).
CREATE FUNCTION pg_temp.throws_as(p_role name, p_sql text, p_state text, p_desc text)
RETURNS text
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    v_result := throws_ok(p_sql, p_state, NULL, p_desc);
    RESET ROLE;
    RETURN v_result;
END
$fn$;

-- lives_ok run as p_role.
CREATE FUNCTION pg_temp.lives_as(p_role name, p_sql text, p_desc text) RETURNS text
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    v_result := lives_ok(p_sql, p_desc);
    RESET ROLE;
    RETURN v_result;
END
$fn$;

-- The number of audit events of one tenant (optionally of one entity).
CREATE FUNCTION pg_temp.events(p_tenant_id uuid, p_entity_id uuid DEFAULT NULL) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id AND (p_entity_id IS NULL OR e.entity_id = p_entity_id)
$fn$;

-- Named fingerprints: pg_temp.mark('x') ... pg_temp.unchanged_since('x', 'description').
CREATE TEMP TABLE pg_temp_marks (name text PRIMARY KEY, state text NOT NULL) ON COMMIT DROP;

CREATE FUNCTION pg_temp.mark(p_name text) RETURNS void
LANGUAGE sql
AS $fn$
    INSERT INTO pg_temp.pg_temp_marks (name, state) VALUES (p_name, pg_temp.db_state())
    ON CONFLICT (name) DO UPDATE SET state = excluded.state
$fn$;

CREATE FUNCTION pg_temp.unchanged_since(p_name text, p_desc text) RETURNS text
LANGUAGE sql
AS $fn$
    SELECT is(pg_temp.db_state(), (SELECT m.state FROM pg_temp.pg_temp_marks AS m WHERE m.name = p_name),
        p_desc)
$fn$;

-- A fingerprint of one tenant's rows in every table of schema erp that has a tenant_id.
CREATE FUNCTION pg_temp.tenant_state(p_tenant_id uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_table regclass;
    v_part text;
    v_state text := '';
BEGIN
    FOR v_table IN
        SELECT c.oid::regclass FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
        WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind IN ('r', 'p')
        ORDER BY c.oid::regclass::text
    LOOP
        EXECUTE format(
            'SELECT count(*) || '':'' || md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) '
            'FROM %s AS t WHERE t.tenant_id = $1', v_table)
        INTO v_part USING p_tenant_id;
        v_state := v_state || v_table::text || '=' || v_part || E'\n';
    END LOOP;
    RETURN v_state;
END
$fn$;

-- The canonical form of a row's to_jsonb(): every timestamp with an offset (as to_jsonb
-- renders a timestamptz in the session's zone) as UTC text, as the writers store snapshots.
-- A test that compares an event's payload with a row compares pg_temp.snap(to_jsonb(row)).
CREATE FUNCTION pg_temp.snap(p_row jsonb) RETURNS jsonb
LANGUAGE sql STABLE
AS $fn$
    SELECT coalesce(jsonb_object_agg(k.key, CASE
        WHEN jsonb_typeof(k.value) = 'string'
            AND k.value #>> '{}' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?$'
            THEN to_jsonb(erp._utc((k.value #>> '{}')::timestamptz))
        ELSE k.value END), '{}'::jsonb)
    FROM jsonb_each(p_row) AS k
$fn$;
