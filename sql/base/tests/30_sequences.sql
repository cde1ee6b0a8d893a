-- Gapless document-number sequences: create/update/get/list, next/next_batch/peek, periods
-- (yearly across a year boundary in Pacific/Auckland, monthly), the default document date in
-- the tenant's time zone, formatting, step, rollback, every refusal by SQLSTATE (each
-- followed by a check that nothing was written), privileges and audit_verify's sequence_gap.
-- Cross-connection behaviour (locking, lock_timeout, concurrency) is tested in Python:
-- tests/base/test_sequence_concurrency.py and test_sequence_properties.py.
BEGIN;
SELECT plan(278);

-- ---- helpers (pg_temp: the ROLLBACK removes them) -------------------------------------
-- Note: in `generate_series(...) AS g CROSS JOIN LATERAL erp.sequence_next(...)` the call must
-- reference g (here: the trace id), or PostgreSQL runs the function once and rescans its result.
-- Fingerprint of everything a sequence function could write: equal before and after a
-- refused call proves that no row, no counter and no audit event appeared or changed.
CREATE FUNCTION pg_temp.seq_state() RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT concat_ws(' | ',
        (SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))
        FROM erp.erp_tenants AS t),
        (SELECT count(*) || ':' || md5(coalesce(string_agg(s::text, ',' ORDER BY s::text), ''))
        FROM erp.erp_sequences AS s),
        (SELECT count(*) || ':' || md5(coalesce(string_agg(c::text, ',' ORDER BY c::text), ''))
        FROM erp.erp_sequence_counters AS c),
        (SELECT count(*) || ':' || md5(coalesce(string_agg(l::text, ',' ORDER BY l::text), ''))
        FROM erp.erp_sequence_numbers AS l),
        (SELECT count(*) || ':' || coalesce(max(e.id::text), '') FROM erp.erp_audit_events AS e))
$fn$;

-- The canonical form of a row's to_jsonb() (timestamps as UTC text, as snapshots store them);
-- the same as pg_temp.snap of include/core_helpers.sql, which this file does not include.
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

-- throws_ok plus "nothing written": two tests per refusal.
CREATE FUNCTION pg_temp.refused(p_sql text, p_state text, p_desc text) RETURNS SETOF text
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_before text := pg_temp.seq_state();
BEGIN
    RETURN NEXT throws_ok(p_sql, p_state, NULL, p_desc);
    RETURN NEXT is(pg_temp.seq_state(), v_before, p_desc || ': no row and no audit event written');
END
$fn$;

-- The sequence id of a code in a tenant (test shorthand).
CREATE FUNCTION pg_temp.seq_id(p_tenant_id uuid, p_code text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT s.id FROM erp.erp_sequences AS s
    WHERE s.tenant_id = p_tenant_id AND s.code_key = erp._code_key(p_code)
$fn$;

-- Allocated events of one sequence: number of events and their values in order.
CREATE FUNCTION pg_temp.allocated(p_tenant_id uuid, p_code text, p_period text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT count(*) || ':' || coalesce(string_agg(e.payload ->> 'allocated_value', ','
        ORDER BY (e.payload ->> 'allocated_value')::bigint), '')
    FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = p_tenant_id AND e.entity_id = pg_temp.seq_id(p_tenant_id, p_code)
        AND e.event_type = 'erp.base.sequence.allocated'
        AND (p_period IS NULL OR e.payload ->> 'period_key' = p_period)
$fn$;

-- sequence_next in a subtransaction that is rolled back; returns the number it had got
-- (plpgsql variables survive the rollback of the block's subtransaction).
CREATE FUNCTION pg_temp.next_then_undo(p_tenant_id uuid, p_code text) RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_value bigint;
BEGIN
    BEGIN
        SELECT n.allocated_value INTO v_value
        FROM erp.sequence_next(p_tenant_id, NULL, 'SYSTEM', 'undo', p_code) AS n;
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN raise_exception THEN
        RETURN v_value;
    END;
END
$fn$;

-- Tenants: A in Pacific/Auckland (UTC+12/+13), B in UTC, E at UTC+14 and W at UTC-12
-- (their calendar dates differ at every instant), X inactive.
DO $setup$
BEGIN
    PERFORM erp.tenant_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 'setup',
        'Auckland Ltd', 'Pacific/Auckland');
    PERFORM erp.tenant_create('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 'setup',
        'Berlin GmbH', 'UTC');
    PERFORM erp.tenant_create('e0000000-0000-4000-8000-0000000000e1', NULL, 'SYSTEM', 'setup',
        'East', 'Etc/GMT-14');
    PERFORM erp.tenant_create('f0000000-0000-4000-8000-0000000000f1', NULL, 'SYSTEM', 'setup',
        'West', 'Etc/GMT+12');
    PERFORM erp.tenant_create('c0000000-0000-4000-8000-0000000000c1', NULL, 'SYSTEM', 'setup',
        'Closed', 'UTC');
    UPDATE erp.erp_tenants SET active = false WHERE id = 'c0000000-0000-4000-8000-0000000000c1';
END
$setup$;

-- ---- the API exists, and only the public functions are granted --------------------------
SELECT has_function('erp', 'sequence_create',
    ARRAY['uuid', 'uuid', 'text', 'text', 'text', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint',
        'text']);
SELECT has_function('erp', 'sequence_update', ARRAY['uuid', 'uuid', 'text', 'text', 'uuid', 'jsonb', 'bigint']);
SELECT has_function('erp', 'sequence_get', ARRAY['uuid', 'uuid']);
SELECT has_function('erp', 'sequence_list', ARRAY['uuid']);
SELECT has_function('erp', 'sequence_next', ARRAY['uuid', 'uuid', 'text', 'text', 'text', 'date']);
SELECT has_function('erp', 'sequence_next_batch',
    ARRAY['uuid', 'uuid', 'text', 'text', 'text', 'bigint', 'date']);
SELECT has_function('erp', 'sequence_peek', ARRAY['uuid', 'text', 'date']);
SELECT is(
    (SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'erp'::regnamespace AND p.proname ~ '^_?sequence'
            AND has_function_privilege('erp_app', p.oid, 'EXECUTE')),
    ARRAY['sequence_create', 'sequence_get', 'sequence_list', 'sequence_next', 'sequence_next_at_commit',
        'sequence_next_batch', 'sequence_peek', 'sequence_update'],
    'erp_app may execute the public sequence functions and none of the _sequence helpers'
);
SELECT is(
    array(SELECT p.proname::text FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'erp'::regnamespace AND p.proname ~ '^_?sequence'
            AND (has_function_privilege('erp_auditor', p.oid, 'EXECUTE')
                OR has_function_privilege('public', p.oid, 'EXECUTE'))),
    '{}'::text[],
    'neither erp_auditor nor PUBLIC may execute any sequence function'
);
SELECT ok(
    (SELECT bool_and(p.prosecdef AND p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'])
    FROM pg_catalog.pg_proc AS p
    WHERE p.pronamespace = 'erp'::regnamespace AND p.proname ~ '^sequence_'),
    'every public sequence function is SECURITY DEFINER with a pinned search_path'
);
SELECT ok(
    (SELECT bool_and(NOT p.prosecdef) FROM pg_catalog.pg_proc AS p
    WHERE p.pronamespace = 'erp'::regnamespace AND p.proname ~ '^_sequence'),
    'the _sequence helpers are not SECURITY DEFINER'
);

-- ---- sequence_create ------------------------------------------------------------------
CREATE TEMP TABLE inv ON COMMIT DROP AS
SELECT * FROM erp.sequence_create('a0000000-0000-4000-8000-0000000000a1',
    'd0000000-0000-4000-8000-000000000001', 'USER', 'trace-create', '  INV  ', ' Invoices ');
SELECT is(
    (SELECT (i.code, i.name, i.prefix, i.suffix, i.padding, i.step, i.start_value, i.reset, i.active,
        i.version)::text FROM inv AS i),
    ('INV', 'Invoices', '', '', 5, 1, 1, 'never', true, 1)::text,
    'sequence_create trims code and name and applies the documented defaults'
);
SELECT is(
    (SELECT jsonb_build_object('event_type', e.event_type, 'entity_version', e.entity_version,
        'actor', e.actor_user_id, 'trace', e.trace_id, 'payload_is_row', e.payload = pg_temp.snap(to_jsonb(i)))
    FROM erp.erp_audit_events AS e INNER JOIN inv AS i ON e.entity_id = i.id),
    jsonb_build_object('event_type', 'erp.base.sequence.created', 'entity_version', 1,
        'actor', 'd0000000-0000-4000-8000-000000000001', 'trace', 'trace-create', 'payload_is_row', true),
    'sequence_create writes one created event (version 1, actor, trace, full snapshot)'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_sequence_counters AS c INNER JOIN inv AS i ON c.sequence_id = i.id),
    0::bigint,
    'a new sequence has no counter row (counters are created by the first allocation)'
);
SELECT lives_ok(
    $$SELECT erp.sequence_create('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't',
        'INV', 'Invoices of B', 'B-', '', 4)$$,
    'another tenant may use the same code'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', ' inv ', 'x')$$,
    'ZE002', 'sequence_create: duplicate code after trim and case folding');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'ＩＮＶ', 'x')$$,
    'ZE002', 'sequence_create: duplicate code after NFKC normalisation');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', NULL, 'x')$$,
    'ZE003', 'sequence_create: NULL code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', E' \t', 'x')$$,
    'ZE003', 'sequence_create: blank code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', NULL)$$,
    'ZE003', 'sequence_create: NULL name');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', '  ')$$,
    'ZE003', 'sequence_create: blank name');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_prefix => NULL)$$,
    'ZE003', 'sequence_create: NULL prefix');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_suffix => NULL)$$,
    'ZE003', 'sequence_create: NULL suffix');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_prefix => repeat('P', 51))$$,
    'ZE003', 'sequence_create: prefix longer than 50 characters');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_suffix => repeat('S', 51))$$,
    'ZE003', 'sequence_create: suffix longer than 50 characters');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_prefix => 'INV/{YYY}/')$$,
    'ZE003', 'sequence_create: unknown token {YYY}');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_suffix => '-{mm}')$$,
    'ZE003', 'sequence_create: tokens are upper case ({mm} is unknown)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_prefix => 'A{Y', p_suffix => 'Y}')$$,
    'ZE003', 'sequence_create: a token split between prefix and suffix');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_prefix => '{M{YY}M}')$$,
    'ZE003', 'sequence_create: a token that only appears once another is removed ({M{YY}M})');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_padding => -1)$$,
    'ZE003', 'sequence_create: negative padding');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_padding => 31)$$,
    'ZE003', 'sequence_create: padding above 30');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_padding => NULL)$$,
    'ZE003', 'sequence_create: NULL padding');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_step => 0)$$,
    'ZE003', 'sequence_create: step 0');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_step => 1000001)$$,
    'ZE003', 'sequence_create: step above 1000000');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_step => NULL)$$,
    'ZE003', 'sequence_create: NULL step');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_start_value => -1)$$,
    'ZE003', 'sequence_create: negative start value');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_start_value => 9223372036854775807)$$,
    'ZE003', 'sequence_create: start value so large that the counter would overflow');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_start_value => NULL)$$,
    'ZE003', 'sequence_create: NULL start value');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_reset => 'weekly')$$,
    'ZE003', 'sequence_create: unknown reset policy');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'N1', 'x',
        p_reset => NULL)$$,
    'ZE003', 'sequence_create: NULL reset policy');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'ROBOT', 't', 'N1', 'x')$$,
    'ZE008', 'sequence_create: unknown actor type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'USER', 't', 'N1', 'x')$$,
    'ZE008', 'sequence_create: USER without a user id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', repeat('t', 201),
        'N1', 'x')$$,
    'ZE008', 'sequence_create: trace id longer than 200 characters');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('99999999-0000-4000-8000-000000000000', NULL, 'SYSTEM', 't', 'N1', 'x')$$,
    'ZE006', 'sequence_create: unknown tenant');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_create('c0000000-0000-4000-8000-0000000000c1', NULL, 'SYSTEM', 't', 'N1', 'x')$$,
    'ZE006', 'sequence_create: inactive tenant');

-- ---- sequence_get / sequence_list -------------------------------------------------------
SELECT is(
    (SELECT to_jsonb(g) FROM erp.sequence_get('a0000000-0000-4000-8000-0000000000a1',
        (SELECT i.id FROM inv AS i)) AS g),
    (SELECT to_jsonb(i) FROM inv AS i),
    'sequence_get returns what sequence_create returned'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_get('b0000000-0000-4000-8000-0000000000b1', (SELECT i.id FROM inv AS i))$$,
    'ZE001', 'sequence_get: another tenant''s id is not found');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_get('a0000000-0000-4000-8000-0000000000a1', '99999999-0000-4000-8000-000000000000')$$,
    'ZE001', 'sequence_get: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_get('a0000000-0000-4000-8000-0000000000a1', NULL)$$,
    'ZE001', 'sequence_get: NULL id');
SELECT lives_ok(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'credit', 'Credit notes',
        'CN-')$$,
    'a second sequence in tenant A'
);
SELECT is(
    array(SELECT l.code FROM erp.sequence_list('a0000000-0000-4000-8000-0000000000a1') AS l),
    ARRAY['credit', 'INV'],
    'sequence_list returns the tenant''s own sequences ordered by code key'
);
SELECT is(
    array(SELECT l.code FROM erp.sequence_list('99999999-0000-4000-8000-000000000000') AS l),
    '{}'::text[],
    'sequence_list of an unknown tenant is empty'
);

-- ---- sequence_next: first numbers, audit event, rollback -------------------------------
SELECT is(
    (SELECT (n.allocated_value, n.next_value, n.formatted, n.period_key)::text
    FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-000000000001',
        'USER', 'trace-alloc', 'INV') AS n),
    (1, 2, '00001', 'all')::text,
    'the first number is the start value, padded, in period all (reset never)'
);
SELECT is(
    (SELECT jsonb_build_object('entity_id', e.entity_id, 'entity_version', e.entity_version,
        'actor', e.actor_user_id, 'actor_type', e.actor_type, 'trace', e.trace_id,
        'value', e.payload -> 'allocated_value', 'formatted', e.payload -> 'formatted',
        'period', e.payload -> 'period_key', 'changes', e.changes)
    FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-0000000000a1' AND e.event_type = 'erp.base.sequence.allocated'),
    jsonb_build_object('entity_id', (SELECT i.id FROM inv AS i), 'entity_version', NULL,
        'actor', 'd0000000-0000-4000-8000-000000000001', 'actor_type', 'USER', 'trace', 'trace-alloc',
        'value', 1, 'formatted', '00001', 'period', 'all', 'changes', NULL),
    'the allocation wrote one allocated event: value, formatted number, period, no entity version'
);
SELECT is(
    (SELECT (n.allocated_value, n.formatted)::text
    FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', ' inv ') AS n),
    (2, '00002')::text,
    'the code is looked up by its key (trimmed, case-folded)'
);
SELECT is(pg_temp.next_then_undo('a0000000-0000-4000-8000-0000000000a1', 'INV'), 3::bigint,
    'an allocation inside a subtransaction that is then rolled back got 3');
SELECT is(
    (SELECT n.allocated_value FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        'INV') AS n),
    3::bigint,
    'a rolled-back allocation gives its number back: 3 is issued again'
);
SELECT is(pg_temp.allocated('a0000000-0000-4000-8000-0000000000a1', 'INV'), '3:1,2,3',
    'exactly one allocated event per issued number (the rolled-back one left none)');
SELECT is(
    (SELECT (c.period_key, c.start_value, c.step, c.next_value)::text FROM erp.erp_sequence_counters AS c
    WHERE c.sequence_id = (SELECT i.id FROM inv AS i)),
    ('all', 1, 1, 4)::text,
    'one counter row per period, next_value 4'
);
SET LOCAL ROLE erp_app;
SELECT is(
    (SELECT n.allocated_value FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        'INV') AS n),
    4::bigint,
    'erp_app allocates through the function although it has no table privilege'
);
SELECT throws_ok($$SELECT * FROM erp.erp_sequence_counters$$, '42501', NULL,
    'erp_app cannot read the counter table');
SELECT throws_ok($$UPDATE erp.erp_sequence_counters SET next_value = 1$$, '42501', NULL,
    'erp_app cannot write the counter table');
RESET ROLE;
SELECT is(pg_temp.allocated('a0000000-0000-4000-8000-0000000000a1', 'INV'), '4:1,2,3,4',
    'the allocation as erp_app wrote its event too');

-- ---- refusals of sequence_next / sequence_next_batch / sequence_peek ---------------------
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'NOPE')$$,
    'ZE001', 'sequence_next: unknown code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'credit')$$,
    'ZE001', 'sequence_next: another tenant''s code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', NULL)$$,
    'ZE003', 'sequence_next: NULL code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', '  ')$$,
    'ZE003', 'sequence_next: blank code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV', 'infinity')$$,
    'ZE003', 'sequence_next: document date infinity');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV', '-infinity')$$,
    'ZE003', 'sequence_next: document date -infinity');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV',
        '2024-12-31 BC')$$,
    'ZE003', 'sequence_next: a BC document date (its year would collide with AD)');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, NULL, 't', 'INV')$$,
    'ZE008', 'sequence_next: NULL actor type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'USER', 't', 'INV')$$,
    'ZE008', 'sequence_next: USER without a user id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('99999999-0000-4000-8000-000000000000', NULL, 'SYSTEM', 't', 'INV')$$,
    'ZE006', 'sequence_next: unknown tenant');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next(NULL, NULL, 'SYSTEM', 't', 'INV')$$,
    'ZE006', 'sequence_next: NULL tenant');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('c0000000-0000-4000-8000-0000000000c1', NULL, 'SYSTEM', 't', 'INV')$$,
    'ZE006', 'sequence_next: inactive tenant');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV', 0)$$,
    'ZE003', 'sequence_next_batch: p_count 0');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV', -5)$$,
    'ZE003', 'sequence_next_batch: negative p_count');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV', NULL)$$,
    'ZE003', 'sequence_next_batch: NULL p_count');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV', 10001)$$,
    'ZE003', 'sequence_next_batch: p_count above 10000');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV',
        2147483647)$$,
    'ZE003', 'sequence_next_batch: absurdly large p_count');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'NOPE', 2)$$,
    'ZE001', 'sequence_next_batch: unknown code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'credit', 2)$$,
    'ZE001', 'sequence_next_batch: another tenant''s code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', '', 2)$$,
    'ZE003', 'sequence_next_batch: empty code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV', 2,
        'infinity')$$,
    'ZE003', 'sequence_next_batch: document date infinity');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'BOT', 't', 'INV', 2)$$,
    'ZE008', 'sequence_next_batch: unknown actor type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('c0000000-0000-4000-8000-0000000000c1', NULL, 'SYSTEM', 't', 'INV', 2)$$,
    'ZE006', 'sequence_next_batch: inactive tenant');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_peek('a0000000-0000-4000-8000-0000000000a1', 'NOPE')$$,
    'ZE001', 'sequence_peek: unknown code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_peek('b0000000-0000-4000-8000-0000000000b1', 'credit')$$,
    'ZE001', 'sequence_peek: another tenant''s code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_peek('a0000000-0000-4000-8000-0000000000a1', NULL)$$,
    'ZE003', 'sequence_peek: NULL code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_peek('a0000000-0000-4000-8000-0000000000a1', 'INV', 'infinity')$$,
    'ZE003', 'sequence_peek: document date infinity');

-- ---- yearly reset across the year boundary in Pacific/Auckland --------------------------
SELECT lives_ok(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'YR', 'Yearly',
        'INV/{YYYY}/', '', 4, 1, 1, 'yearly')$$,
    'a yearly sequence in tenant A (Pacific/Auckland)'
);
SELECT is(
    (SELECT (n.allocated_value, n.formatted, n.period_key)::text
    FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'YR', '2024-12-31') AS n),
    (1, 'INV/2024/0001', '2024')::text,
    'Dec 31: first number of 2024 is the start value'
);
SELECT is(
    (SELECT (n.allocated_value, n.formatted, n.period_key)::text
    FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'YR', '2024-12-31') AS n),
    (2, 'INV/2024/0002', '2024')::text,
    'Dec 31: second number of 2024'
);
SELECT is(
    (SELECT (n.allocated_value, n.next_value, n.formatted, n.period_key)::text
    FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'YR', '2025-01-01') AS n),
    (1, 2, 'INV/2025/0001', '2025')::text,
    'Jan 1: a new period whose first number is the start value (1, never 2)'
);
SELECT is(
    (SELECT (n.allocated_value, n.formatted, n.period_key)::text
    FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'YR', '2024-12-31') AS n),
    (3, 'INV/2024/0003', '2024')::text,
    'a back-dated Dec 31 document continues 2024''s series'
);
SELECT is(
    (SELECT (n.allocated_value, n.formatted)::text
    FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'YR', '2025-01-01') AS n),
    (2, 'INV/2025/0002')::text,
    'Jan 1 again continues 2025''s series'
);
SELECT is(pg_temp.allocated('a0000000-0000-4000-8000-0000000000a1', 'YR', '2024'), '3:1,2,3',
    'period 2024 issued exactly 1, 2, 3');
SELECT is(pg_temp.allocated('a0000000-0000-4000-8000-0000000000a1', 'YR', '2025'), '2:1,2',
    'period 2025 issued exactly 1, 2');
SELECT lives_ok(
    $$SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'YR100',
        'Yearly from 100 by 10', 'Y{YYYY}-', '', 0, 10, 100, 'yearly')$$,
    'a yearly sequence with start 100 and step 10'
);
SELECT is(
    (SELECT array_agg(n.allocated_value ORDER BY d.o)
        FROM (VALUES (1, '2024-12-31'::date), (2, '2025-01-01'), (3, '2024-12-31'), (4, '2025-01-01')) AS d (o, doc)
        CROSS JOIN LATERAL erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
            'YR100', d.doc) AS n),
    ARRAY[100, 100, 110, 110]::bigint[],
    'start 100 step 10: Dec 100, Jan 100 (never 110), Dec 110, Jan 110'
);

-- ---- monthly reset ---------------------------------------------------------------------
SELECT lives_ok(
    $$SELECT erp.sequence_create('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'MON', 'Monthly',
        'M{YY}{MM}-', '', 3, 1, 1, 'monthly')$$,
    'a monthly sequence in tenant B'
);
SELECT is(
    (SELECT array_agg(n.formatted || '@' || n.period_key ORDER BY d.o)
        FROM (VALUES (1, '2025-01-31'::date), (2, '2025-02-01'), (3, '2025-01-15'), (4, '2025-02-28'),
            (5, '2024-12-31'), (6, '2025-01-01')) AS d (o, doc)
        CROSS JOIN LATERAL erp.sequence_next('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't',
            'MON', d.doc) AS n),
    ARRAY['M2501-001@2025-01', 'M2502-001@2025-02', 'M2501-002@2025-01', 'M2502-002@2025-02',
        'M2412-001@2024-12', 'M2501-003@2025-01'],
    'monthly: every month starts at the start value; back-dated documents continue their month'
);

-- ---- the default document date is today in the tenant's time zone ----------------------
SELECT lives_ok(
    $$SELECT erp.sequence_create(t.id, NULL, 'SYSTEM', 't', 'DAY', 'Daily stamp', '{YYYY}{MM}{DD}-', '', 1, 1, 1,
        'monthly')
    FROM (VALUES ('a0000000-0000-4000-8000-0000000000a1'::uuid), ('b0000000-0000-4000-8000-0000000000b1'),
        ('e0000000-0000-4000-8000-0000000000e1'), ('f0000000-0000-4000-8000-0000000000f1')) AS t (id)$$,
    'a monthly sequence DAY stamped with the document date in four tenants'
);
SELECT is(
    (SELECT (n.formatted, n.period_key)::text
    FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'DAY') AS n),
    (to_char((now() AT TIME ZONE 'Pacific/Auckland')::date, 'YYYYMMDD') || '-1',
        to_char((now() AT TIME ZONE 'Pacific/Auckland')::date, 'YYYY-MM'))::text,
    'no document date: today in Pacific/Auckland'
);
SELECT is(
    (SELECT (n.formatted, n.period_key)::text
    FROM erp.sequence_next('e0000000-0000-4000-8000-0000000000e1', NULL, 'SYSTEM', 't', 'DAY') AS n),
    (to_char((now() AT TIME ZONE 'Etc/GMT-14')::date, 'YYYYMMDD') || '-1',
        to_char((now() AT TIME ZONE 'Etc/GMT-14')::date, 'YYYY-MM'))::text,
    'no document date: today at UTC+14'
);
SELECT is(
    (SELECT (n.formatted, n.period_key)::text
    FROM erp.sequence_next('f0000000-0000-4000-8000-0000000000f1', NULL, 'SYSTEM', 't', 'DAY') AS n),
    (to_char((now() AT TIME ZONE 'Etc/GMT+12')::date, 'YYYYMMDD') || '-1',
        to_char((now() AT TIME ZONE 'Etc/GMT+12')::date, 'YYYY-MM'))::text,
    'no document date: today at UTC-12'
);
SELECT isnt(
    (SELECT e.payload ->> 'document_date' FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'e0000000-0000-4000-8000-0000000000e1' AND e.event_type = 'erp.base.sequence.allocated'),
    (SELECT e.payload ->> 'document_date' FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'f0000000-0000-4000-8000-0000000000f1' AND e.event_type = 'erp.base.sequence.allocated'),
    'at the same instant UTC+14 and UTC-12 number with different dates (the zone is really used)'
);
SELECT is(
    (SELECT (p.formatted, p.period_key)::text
    FROM erp.sequence_peek('e0000000-0000-4000-8000-0000000000e1', 'DAY') AS p),
    (to_char((now() AT TIME ZONE 'Etc/GMT-14')::date, 'YYYYMMDD') || '-2',
        to_char((now() AT TIME ZONE 'Etc/GMT-14')::date, 'YYYY-MM'))::text,
    'sequence_peek without a date also uses today in the tenant''s zone'
);

-- ---- formatting: padding overflow, tokens, step ----------------------------------------
SELECT lives_ok(
    $$SELECT erp.sequence_create('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'PAD', 'Padding',
        '', '', 3, 1, 998)$$,
    'padding 3 starting at 998'
);
SELECT is(
    (SELECT array_agg(n.formatted ORDER BY g.i) FROM generate_series(1, 3) AS g (i)
        CROSS JOIN LATERAL erp.sequence_next('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't' || g.i,
            'PAD') AS n),
    ARRAY['998', '999', '1000'],
    'a number wider than the padding is kept whole, never truncated'
);
SELECT is(
    array(SELECT b.formatted FROM erp.sequence_next_batch('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM',
        't', 'PAD', 2) AS b),
    ARRAY['1001', '1002'],
    'sequence_next_batch formats wide numbers whole too'
);
SELECT lives_ok(
    $$SELECT erp.sequence_create('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'NOPAD', 'No padding',
        'N', '', 0, 1, 7)$$,
    'padding 0 starting at 7'
);
SELECT is(
    (SELECT n.formatted FROM erp.sequence_next('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't',
        'NOPAD') AS n),
    'N7',
    'padding 0: the plain number'
);
SELECT lives_ok(
    $$SELECT erp.sequence_create('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'TOK', 'Tokens',
        'INV/{YYYY}/{MM}/', '-{YY}{DD}{YY}', 5, 1, 1, 'never')$$,
    'prefix and suffix with every token (one repeated)'
);
SELECT is(
    (SELECT (n.formatted, n.period_key)::text FROM erp.sequence_next('b0000000-0000-4000-8000-0000000000b1', NULL,
        'SYSTEM', 't', 'TOK', '2025-03-07') AS n),
    ('INV/2025/03/00001-250725', 'all')::text,
    'tokens expand from the document date, in prefix and suffix, every occurrence'
);
SELECT is(
    (SELECT n.formatted FROM erp.sequence_next('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'TOK',
        '2026-11-30') AS n),
    'INV/2026/11/00002-263026',
    'reset never: the number continues across years while the tokens follow the date'
);
SELECT lives_ok(
    $$SELECT erp.sequence_create('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'STEP', 'Step 5',
        'S', '', 2, 5, 10)$$,
    'start 10, step 5, padding 2'
);
SELECT is(
    (SELECT (n.allocated_value, n.next_value, n.formatted)::text FROM erp.sequence_next(
        'b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'STEP') AS n),
    (10, 15, 'S10')::text,
    'step 5: the first number is the start value, next_value is start + step'
);
SELECT is(
    array(SELECT (b.allocated_value, b.next_value, b.formatted, b.period_key)::text
        FROM erp.sequence_next_batch('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'STEP', 3) AS b),
    ARRAY[(15, 20, 'S15', 'all')::text, (20, 25, 'S20', 'all')::text, (25, 30, 'S25', 'all')::text],
    'sequence_next_batch: a contiguous block 15, 20, 25 in ascending order'
);
SELECT is(
    (SELECT n.allocated_value FROM erp.sequence_next('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't',
        'STEP') AS n),
    30::bigint,
    'the next single allocation continues after the block'
);
SELECT is(pg_temp.allocated('b0000000-0000-4000-8000-0000000000b1', 'STEP'), '5:10,15,20,25,30',
    'one allocated event per number of the block');
SELECT is(
    array(SELECT b.allocated_value FROM erp.sequence_next_batch('b0000000-0000-4000-8000-0000000000b1', NULL,
        'SYSTEM', 't', 'MON', 2, '2025-03-15') AS b),
    ARRAY[1, 2]::bigint[],
    'sequence_next_batch creating a new period starts it at the start value'
);
SELECT is(
    (SELECT count(b.allocated_value) FROM erp.sequence_next_batch('b0000000-0000-4000-8000-0000000000b1', NULL,
        'SYSTEM', 't', 'MON', 10000, '2025-04-01') AS b),
    10000::bigint,
    'sequence_next_batch accepts p_count = 10000 (the documented maximum)'
);
SELECT is(
    (SELECT count(*) || ':' || min(v) || '..' || max(v) || ':' || count(DISTINCT v)
    FROM (SELECT (e.payload ->> 'allocated_value')::bigint AS v FROM erp.erp_audit_events AS e
        WHERE e.tenant_id = 'b0000000-0000-4000-8000-0000000000b1'
            AND e.event_type = 'erp.base.sequence.allocated' AND e.payload ->> 'period_key' = '2025-04') AS x),
    '10000:1..10000:10000',
    'a block of 10000 wrote 10000 events, one per number 1..10000'
);

-- ---- sequence_peek -----------------------------------------------------------------------
SELECT is(
    (SELECT (p.allocated_value, p.next_value, p.formatted, p.period_key)::text
    FROM erp.sequence_peek('b0000000-0000-4000-8000-0000000000b1', 'STEP') AS p),
    (35, 40, 'S35', 'all')::text,
    'sequence_peek shows the number sequence_next would give'
);
SELECT is(
    (SELECT (p.allocated_value, p.formatted, p.period_key)::text
    FROM erp.sequence_peek('b0000000-0000-4000-8000-0000000000b1', 'MON', '2031-07-04') AS p),
    (1, 'M3107-001', '2031-07')::text,
    'sequence_peek of a period without numbers shows the start value'
);
CREATE TEMP TABLE before_peek ON COMMIT DROP AS SELECT pg_temp.seq_state() AS s;
SELECT is(
    (SELECT string_agg(p.formatted, ',') FROM generate_series(1, 3) AS g (i)
        CROSS JOIN LATERAL erp.sequence_peek('b0000000-0000-4000-8000-0000000000b1', 'mon' || repeat(' ', g.i),
            '2025-01-20') AS p),
    'M2501-004,M2501-004,M2501-004',
    'peeking three times shows the same number'
);
SELECT is(pg_temp.seq_state(), (SELECT b.s FROM before_peek AS b),
    'sequence_peek allocates nothing: no counter row, no event');
SELECT is(
    (SELECT n.formatted FROM erp.sequence_next('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't', 'MON',
        '2025-01-20') AS n),
    'M2501-004',
    'the peeked number is the one the next allocation gets'
);

-- ---- sequence_update ------------------------------------------------------------------------
CREATE TEMP TABLE upd ON COMMIT DROP AS
SELECT * FROM erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 'trace-upd',
    pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"padding": 3}', 1);
SELECT is(
    (SELECT (u.prefix, u.padding, u.version)::text FROM upd AS u),
    ('', 3, 2)::text,
    'padding may change after numbers were issued (a number is never printed twice); version 2'
);
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e
    WHERE e.entity_id = (SELECT u.id FROM upd AS u) AND e.event_type = 'erp.base.sequence.updated'),
    '{"padding": {"old": 5, "new": 3}}'::jsonb,
    'the update is audited with its changes'
);
SELECT is(
    (SELECT (c.next_value)::text FROM erp.erp_sequence_counters AS c WHERE c.sequence_id = (SELECT u.id FROM upd AS u)),
    '5',
    'changing the format does not touch the counter'
);
SELECT is(
    (SELECT (n.allocated_value, n.formatted)::text FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1',
        NULL, 'SYSTEM', 't', 'INV', '2025-06-01') AS n),
    (5, '005')::text,
    'the next number continues the counter in the new format'
);
SELECT is(
    (SELECT u.version FROM erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"padding": 3, "step": 1}') AS u),
    2::bigint,
    'a patch that changes nothing (even naming step with its current value) keeps the version'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.entity_id = pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV')
        AND e.event_type <> 'erp.base.sequence.allocated'),
    2::bigint,
    'and writes no event (still created + one updated)'
);
-- prefix, suffix and padding after numbers were issued: allowed unless an issued number fits
-- the new format with a number the sequence can still reach (the ledger of issued numbers)
SELECT erp.sequence_create('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 'setup', 'A1', 'A-1 series',
    'A-1', '', 0);
SELECT count(*) FROM erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
    'A1', 3, '2025-06-01');
SELECT is(
    (SELECT array_agg(l.formatted ORDER BY l.formatted) FROM erp.erp_sequence_numbers AS l
    WHERE l.sequence_id = pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'A1')),
    ARRAY['A-11', 'A-12', 'A-13'],
    'every issued number is in the ledger, once'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'A1'), '{"prefix": "A-"}')$$,
    'ZE009', 'sequence_update: prefix A-1 to A- after A-11..A-13 (number 11 would print A-11 again)');
SELECT throws_ok(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'A1'), '{"prefix": "A-"}')$$,
    'ZE009', 'sequence ''A1'' would print the issued number ''A-11'' again with prefix ''A-'', suffix '''' and padding 0',
    'the refusal names the issued number that would recur'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'A1'), '{"prefix": "A-", "suffix": "", "padding": 2}')$$,
    'ZE009', 'sequence_update: prefix A- with padding 2 (number 11 would print A-11 again)');
SELECT is(
    (SELECT (u.prefix, u.padding, u.version)::text FROM erp.sequence_update('a0000000-0000-4000-8000-0000000000a1',
        NULL, 'SYSTEM', 't', pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'A1'),
        '{"prefix": "A-1", "padding": 2}') AS u),
    ('A-1', 2, 2)::text,
    'padding 0 to 2 is allowed: A-11..A-13 are numbers 1..3 printed 01..03 now, and 11..13 are ahead'
);
SELECT is(
    (SELECT (u.prefix, u.padding, u.version)::text FROM erp.sequence_update('a0000000-0000-4000-8000-0000000000a1',
        NULL, 'SYSTEM', 't', pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'A1'),
        '{"prefix": "B-"}') AS u),
    ('B-', 2, 3)::text,
    'a prefix that no issued number fits is allowed after numbers were issued'
);
SELECT is(
    (SELECT n.formatted FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        'A1', '2025-06-01') AS n),
    'B-04',
    'the counter continues under the new format'
);
-- a number in the ledger (as an open transaction's change of format could leave behind) is
-- refused at allocation: ZE009 naming it, nothing allocated
INSERT INTO erp.erp_sequence_numbers (tenant_id, sequence_id, formatted)
VALUES ('a0000000-0000-4000-8000-0000000000a1', pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'A1'), 'B-05');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'A1', '2025-06-01')$$,
    'ZE009', 'sequence_next: a number the ledger holds is never issued again');
SELECT throws_ok(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'A1', '2025-06-01')$$,
    'ZE009', 'sequence ''A1'' would issue number ''B-05'' again',
    'the refusal at allocation names the number'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'A1', 3, '2025-06-01')$$,
    'ZE009', 'sequence_next_batch: a block that contains a number the ledger holds is refused whole');
DELETE FROM erp.erp_sequence_numbers WHERE formatted = 'B-05';
SELECT is(
    (SELECT (u.prefix, u.padding)::text FROM erp.sequence_update('a0000000-0000-4000-8000-0000000000a1',
        NULL, 'SYSTEM', 't', pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'A1'),
        '{"prefix": "B-0", "padding": 0}') AS u),
    ('B-0', 0)::text,
    'B-04 fits prefix B-0 as value 4, below the counter''s next value 5 (reset never): allowed'
);
SELECT is(
    (SELECT n.formatted FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        'A1', '2025-06-01') AS n),
    'B-05',
    'and the next number is one never issued'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"step": 2}')$$,
    'ZE009', 'sequence_update: step after numbers were issued');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"start_value": 100}')$$,
    'ZE009', 'sequence_update: start_value after numbers were issued');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"reset": "yearly", "prefix": "{YYYY}-"}')$$,
    'ZE009', 'sequence_update: reset after numbers were issued');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'YR'), '{"reset": "monthly", "prefix": "X{YYYY}{MM}"}')$$,
    'ZE009', 'sequence_update: a format change bundled with a reset change is refused as a whole');
SELECT is(
    (SELECT (u.step, u.start_value, u.reset, u.version)::text FROM erp.sequence_update(
        'a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1',
            'credit'), '{"step": 2, "start_value": 500, "reset": "yearly", "prefix": "C{YYYY}-"}') AS u),
    (2, 500, 'yearly', 2)::text,
    'before the first number, step, start_value and reset may change'
);
SELECT is(
    (SELECT array_agg(n.allocated_value ORDER BY g.i) FROM generate_series(1, 2) AS g (i)
        CROSS JOIN LATERAL erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't' || g.i,
            'credit', '2025-05-05') AS n),
    ARRAY[500, 502]::bigint[],
    'the first numbers then follow the new definition'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'credit'), '{"step": 1}')$$,
    'ZE009', 'sequence_update: and now they are fixed');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"prefix": "X"}', 1)$$,
    'ZE004', 'sequence_update: stale expected version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        '99999999-0000-4000-8000-000000000000', '{"prefix": "X"}')$$,
    'ZE001', 'sequence_update: unknown id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('b0000000-0000-4000-8000-0000000000b1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"prefix": "X"}')$$,
    'ZE001', 'sequence_update: another tenant''s sequence');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '["prefix"]')$$,
    'ZE003', 'sequence_update: a patch that is not an object');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), NULL)$$,
    'ZE003', 'sequence_update: NULL patch');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"colour": "red"}')$$,
    'ZE003', 'sequence_update: unknown key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"version": 9}')$$,
    'ZE003', 'sequence_update: read-only key version');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"code_key": "x"}')$$,
    'ZE003', 'sequence_update: read-only (generated) key code_key');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"tenant_id": "b0000000-0000-4000-8000-0000000000b1"}')$$,
    'ZE003', 'sequence_update: read-only key tenant_id');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"name": {"en": "Invoices"}}')$$,
    'ZE003', 'sequence_update: an object where text is expected');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"padding": "4"}')$$,
    'ZE003', 'sequence_update: a string where a number is expected');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"padding": 4.5}')$$,
    'ZE003', 'sequence_update: a fractional padding');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"padding": 99999999999}')$$,
    'ZE003', 'sequence_update: a padding out of integer range');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"padding": 31}')$$,
    'ZE003', 'sequence_update: a padding the validation refuses');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"name": null}')$$,
    'ZE003', 'sequence_update: name null');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"suffix": "{Q}"}')$$,
    'ZE003', 'sequence_update: an unknown token');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"code": " CREDIT "}')$$,
    'ZE002', 'sequence_update: renaming onto an existing code');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'ROBOT', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"prefix": "X"}')$$,
    'ZE008', 'sequence_update: unknown actor type');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_update('c0000000-0000-4000-8000-0000000000c1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"prefix": "X"}')$$,
    'ZE006', 'sequence_update: inactive tenant');
SELECT is(
    (SELECT u.code FROM erp.sequence_update('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'INV'), '{"code": " INV2 "}') AS u),
    'INV2',
    'the code may be renamed (trimmed)'
);
SELECT is(
    (SELECT n.allocated_value FROM erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't',
        'inv2') AS n),
    6::bigint,
    'the renamed sequence continues its counter under the new code'
);
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('a0000000-0000-4000-8000-0000000000a1', NULL, 'SYSTEM', 't', 'INV')$$,
    'ZE001', 'sequence_next: the old code is gone');

-- ---- audit_verify -------------------------------------------------------------------------
SELECT is(
    (SELECT count(*) FROM erp.audit_verify('a0000000-0000-4000-8000-0000000000a1')), 0::bigint,
    'audit_verify finds nothing wrong in tenant A'
);
SELECT is(
    (SELECT count(*) FROM erp.audit_verify('b0000000-0000-4000-8000-0000000000b1')), 0::bigint,
    'audit_verify finds nothing wrong in tenant B'
);
-- tampering as superuser (the test clone is thrown away)
INSERT INTO erp.erp_sequence_counters (tenant_id, sequence_id, period_key, start_value, step, next_value)
VALUES ('a0000000-0000-4000-8000-0000000000a1', pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'YR'),
    '2031', 1, 1, 4);
SELECT is(
    array(SELECT (v.problem, v.entity_id, v.detail ->> 'period_key', v.detail ->> 'next_value')::text
        FROM erp.audit_verify('a0000000-0000-4000-8000-0000000000a1') AS v),
    ARRAY[('sequence_gap', pg_temp.seq_id('a0000000-0000-4000-8000-0000000000a1', 'YR'), '2031', '4')::text],
    'a counter row without allocated events is reported as a sequence_gap of its period'
);
UPDATE erp.erp_sequence_counters SET next_value = next_value + step
WHERE sequence_id = pg_temp.seq_id('b0000000-0000-4000-8000-0000000000b1', 'STEP');
SELECT is(
    array(SELECT (v.problem, v.detail ->> 'events', v.detail ->> 'next_value')::text
        FROM erp.audit_verify('b0000000-0000-4000-8000-0000000000b1') AS v),
    ARRAY[('sequence_gap', '5', '40')::text],
    'a counter ahead of its events (a skipped number) is a sequence_gap'
);
UPDATE erp.erp_sequence_counters SET next_value = next_value - step
WHERE sequence_id = pg_temp.seq_id('b0000000-0000-4000-8000-0000000000b1', 'STEP');
INSERT INTO erp.erp_audit_events (tenant_id, id, actor_type, entity_type, entity_id, event_type, payload)
SELECT e.tenant_id, erp.uuid_v7() AS id, 'SYSTEM' AS actor_type, e.entity_type, e.entity_id, e.event_type,
    e.payload
FROM erp.erp_audit_events AS e
WHERE e.entity_id = pg_temp.seq_id('b0000000-0000-4000-8000-0000000000b1', 'PAD')
    AND e.payload ->> 'allocated_value' = '999';
SELECT is(
    array(SELECT (v.problem, v.detail ->> 'events', v.detail ->> 'distinct_values')::text
        FROM erp.audit_verify('b0000000-0000-4000-8000-0000000000b1') AS v
        WHERE v.problem = 'sequence_gap'),
    ARRAY[('sequence_gap', '6', '5')::text],
    'a number issued twice (two events for 999) is a sequence_gap'
);
SELECT is(
    array(SELECT (v.problem, v.detail ->> 'formatted', v.detail ->> 'times')::text
        FROM erp.audit_verify('b0000000-0000-4000-8000-0000000000b1') AS v
        WHERE v.problem = 'repeated_number'),
    ARRAY[('repeated_number', '999', '2')::text],
    'and its formatted number printed twice is a repeated_number'
);
-- STEP issued 10..30 by 5 (next 35); add events 33 and 40 and move the counter to 45: seven
-- distinct values from 10 to 40, as many as the counter says, but 33 is off the grid
INSERT INTO erp.erp_audit_events (tenant_id, id, actor_type, entity_type, entity_id, event_type, payload)
SELECT e.tenant_id, erp.uuid_v7() AS id, 'SYSTEM' AS actor_type, e.entity_type, e.entity_id, e.event_type,
    e.payload || jsonb_build_object('allocated_value', v.v) AS payload
FROM erp.erp_audit_events AS e
CROSS JOIN (VALUES (33), (40)) AS v (v)
WHERE e.entity_id = pg_temp.seq_id('b0000000-0000-4000-8000-0000000000b1', 'STEP')
    AND e.payload ->> 'allocated_value' = '10';
UPDATE erp.erp_sequence_counters SET next_value = 45
WHERE sequence_id = pg_temp.seq_id('b0000000-0000-4000-8000-0000000000b1', 'STEP');
SELECT is(
    array(SELECT (v.detail ->> 'events', v.detail ->> 'min', v.detail ->> 'max', v.detail ->> 'off_step')::text
        FROM erp.audit_verify('b0000000-0000-4000-8000-0000000000b1') AS v
        WHERE v.entity_id = pg_temp.seq_id('b0000000-0000-4000-8000-0000000000b1', 'STEP')
            AND v.problem = 'sequence_gap'),
    ARRAY[('7', '10', '40', '1')::text],
    'a value off the step grid (33 with start 10, step 5) is a sequence_gap even when count, min and max fit'
);

-- an archived sequence (archived through the generic writer) issues no numbers: ZE009
SELECT erp.tenant_create('b0000000-0000-4000-8000-0000000000c9', NULL, 'SYSTEM', 'setup', 'Archive', 'UTC');
SELECT erp.sequence_create('b0000000-0000-4000-8000-0000000000c9', NULL, 'SYSTEM', 'setup', 'OLD', 'Old series');
SELECT erp.atomic_update_with_audit('b0000000-0000-4000-8000-0000000000c9', NULL, 'SYSTEM', 'setup',
    'erp.base.sequence', pg_temp.seq_id('b0000000-0000-4000-8000-0000000000c9', 'OLD'), NULL, NULL, 'archived');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next('b0000000-0000-4000-8000-0000000000c9', NULL, 'SYSTEM', 't', 'OLD')$$,
    'ZE009', 'sequence_next of an archived sequence');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_next_batch('b0000000-0000-4000-8000-0000000000c9', NULL, 'SYSTEM', 't', 'OLD', 3)$$,
    'ZE009', 'sequence_next_batch of an archived sequence');
SELECT * FROM pg_temp.refused(
    $$SELECT erp.sequence_peek('b0000000-0000-4000-8000-0000000000c9', 'old')$$,
    'ZE009', 'sequence_peek of an archived sequence');

SELECT * FROM finish();
ROLLBACK;
