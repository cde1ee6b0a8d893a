-- Formatted document numbers never repeat: a format must name the periods of its reset policy
-- (ZE003), prefix, suffix and padding may change once numbers were issued unless an issued
-- number fits the new format (ZE009; the ledger of issued numbers),
-- a sequence whose format does not name the period (written before 0.2.0 or through the
-- generic writer) refuses to begin a second period (ZE009), and {YY} without {YYYY} refuses a
-- second century (ZE009). Each refusal writes nothing.
BEGIN;
\ir include/core_helpers.sql
SELECT plan(41);

SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'Acme');
CREATE FUNCTION pg_temp.create_seq(p_code text, p_prefix text, p_reset text, p_suffix text DEFAULT '')
RETURNS text LANGUAGE sql AS $$
    SELECT format($q$SELECT erp.sequence_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        %L, %L, %L, %L, 4, 1, 1, %L)$q$, p_code, p_code, p_prefix, p_suffix, p_reset)
$$;
CREATE FUNCTION pg_temp.next(p_code text, p_date date) RETURNS text LANGUAGE sql AS $$
    SELECT n.formatted FROM erp.sequence_next('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
        p_code, p_date) AS n
$$;
CREATE FUNCTION pg_temp.next_sql(p_code text, p_date date) RETURNS text LANGUAGE sql AS $$
    SELECT format($q$SELECT erp.sequence_next('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't', %L, %L)$q$,
        p_code, p_date)
$$;
CREATE FUNCTION pg_temp.seq(p_code text) RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT s.id FROM erp.erp_sequences AS s WHERE s.code = p_code
$$;

-- ===== a format names the periods of its reset policy ======================================
SELECT pg_temp.refused(pg_temp.create_seq('NY', 'NY-', 'yearly'), 'ZE003',
    'yearly without a year token ("NY-0001" in 2026 and again in 2027)');
SELECT pg_temp.refused(pg_temp.create_seq('M1', 'M/{YYYY}/', 'monthly'), 'ZE003',
    'monthly with only {YYYY} ("M/2026/0001" in January and February)');
SELECT pg_temp.refused(pg_temp.create_seq('M2', 'M/{MM}/', 'monthly'), 'ZE003',
    'monthly with only {MM} (every January alike)');
SELECT lives_ok(pg_temp.create_seq('Y4', 'Y/{YYYY}/', 'yearly'), 'yearly with {YYYY}');
SELECT lives_ok(pg_temp.create_seq('Y2', 'Y{YY}-', 'yearly'), 'yearly with {YY}');
SELECT lives_ok(pg_temp.create_seq('YS', 'S-', 'yearly', '/{YYYY}'), 'yearly with the year in the suffix');
SELECT lives_ok(pg_temp.create_seq('MO', 'MO/{YYYY}-{MM}/', 'monthly'), 'monthly with {YYYY} and {MM}');
SELECT lives_ok(pg_temp.create_seq('MY', '{YY}{MM}', 'monthly'), 'monthly with {YY} and {MM}');
SELECT lives_ok(pg_temp.create_seq('NV', 'NV-', 'never'), 'never reset needs no token');
SELECT pg_temp.refused($$SELECT erp.sequence_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    pg_temp.seq('NV'), '{"reset": "yearly"}')$$, 'ZE003',
    'an update to a yearly reset without a year token');
SELECT lives_ok($$SELECT erp.sequence_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    pg_temp.seq('NV'), '{"reset": "yearly", "prefix": "NV{YYYY}-"}')$$,
    'before any number, reset and format may change together');

-- ===== prefix, suffix and padding may change unless an issued number fits the new format =====
SELECT is(pg_temp.next('Y4', '2026-03-01'), 'Y/2026/0001', 'the first number');
SELECT pg_temp.refused($$SELECT erp.sequence_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    pg_temp.seq('Y4'), '{"prefix": "Y/{YYYY}/000", "padding": 1}')$$, 'ZE009',
    'a format that Y/2026/0001 fits (a yearly series starts again: number 1 can come back)');
SELECT lives_ok($$SELECT erp.sequence_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    pg_temp.seq('Y4'), '{"suffix": "-X"}')$$, 'a suffix change that no issued number fits');
SELECT is(pg_temp.next('Y4', '2026-03-02'), 'Y/2026/0002-X', 'the series continues in the new format');
SELECT lives_ok($$SELECT erp.sequence_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    pg_temp.seq('Y4'), '{"padding": 6}')$$, 'a padding change after a number was issued');
SELECT is(pg_temp.next('Y4', '2026-03-02'), 'Y/2026/000003-X', 'the series continues, wider');
SELECT lives_ok($$SELECT erp.sequence_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    pg_temp.seq('Y4'), '{"padding": 1}')$$, 'and narrower');
SELECT is(pg_temp.next('Y4', '2026-03-03'), 'Y/2026/4-X', 'no padding: still a number not issued before');
SELECT is(
    (SELECT count(DISTINCT e.payload ->> 'formatted') FROM erp.erp_audit_events AS e
    WHERE e.entity_id = pg_temp.seq('Y4') AND e.event_type = 'erp.base.sequence.allocated'),
    4::bigint,
    'four numbers, four different strings'
);

-- ===== a legacy format that does not name its period ========================================
SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'legacy',
    'erp.base.sequence', '{"code": "LEG", "name": "Legacy", "prefix": "NY-", "reset": "yearly", "padding": 4}');
SELECT is(pg_temp.next('LEG', '2026-05-01'), 'NY-0001', 'its first period numbers as before');
SELECT is(pg_temp.next('LEG', '2026-06-01'), 'NY-0002', 'and goes on');
SELECT pg_temp.refused(pg_temp.next_sql('LEG', '2027-01-04'), 'ZE009',
    'but it refuses to begin a second period, whose NY-0001 would repeat');
SELECT is(pg_temp.next('LEG', '2026-07-01'), 'NY-0003', 'the first period goes on');

-- ===== {YY} without {YYYY}: one century ======================================================
SELECT is(pg_temp.next('Y2', '2026-01-05'), 'Y26-0001', 'Y26-0001 in 2026');
SELECT pg_temp.refused(pg_temp.next_sql('Y2', '1926-01-05'), 'ZE009', '1926 would print Y26-0001 again');
SELECT pg_temp.refused(pg_temp.next_sql('Y2', '2126-01-05'), 'ZE009', 'and so would 2126');
SELECT is(pg_temp.next('Y2', '2027-01-05'), 'Y27-0001', 'another year of the century is fine');
SELECT is(pg_temp.next('MY', '2026-01-05'), '26010001', 'monthly {YY}{MM}: 2026-01');
SELECT pg_temp.refused(pg_temp.next_sql('MY', '1926-01-05'), 'ZE009', 'monthly: 1926-01 would repeat 2026-01');
SELECT is(pg_temp.next('MY', '1926-02-05'), '26020001', 'monthly: 1926-02 repeats nothing');
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'the trail is sound after every refusal');

SELECT * FROM finish();
ROLLBACK;
