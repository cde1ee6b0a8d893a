-- Hardening: what an adversarial review broke, each refusal with "nothing written".
--   time zones and session settings (canonical snapshots, value-based verify), bounded input
--   (limits; no raw 54000, 22003 or 42883), invisible characters, full case folding, bounded
--   error messages, audited writes without subtransactions, legacy time zone names, and no
--   advisory lock on any application path.
BEGIN;
\ir include/core_helpers.sql
SELECT plan(77);

SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'Acme', 'Europe/Berlin');
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'W', 'Weight');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'KG', 'Kilogram', 'W');
CREATE FUNCTION pg_temp.uom(p_code text) RETURNS uuid LANGUAGE sql STABLE
AS $$ SELECT u.id FROM erp.erp_uoms AS u WHERE u.code = p_code $$;

-- ===== 1. time zones and session settings ==================================================
SET LOCAL TimeZone = 'Asia/Tokyo';
SET LOCAL DateStyle = 'SQL, DMY';
SET LOCAL IntervalStyle = 'sql_standard';
SET LOCAL extra_float_digits = -3;
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'tokyo', 'TOKYO', 'Tokyo KK');
SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'tokyo',
    (SELECT p.id FROM erp.erp_partners AS p WHERE p.code = 'TOKYO'), '{"name": "Tokyo KK 2"}');
SET LOCAL TimeZone = 'America/Los_Angeles';
SET LOCAL DateStyle = 'German';
SELECT erp.partner_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'la',
    (SELECT p.id FROM erp.erp_partners AS p WHERE p.code = 'TOKYO'), '{"name": "Tokyo KK 3"}');
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
    WHERE e.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND e.entity_version IS NOT NULL
        AND NOT (e.payload ->> 'created_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$'
            AND e.payload ->> 'updated_at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')),
    0::bigint,
    'snapshots hold timestamps as UTC ISO 8601 with microseconds, whatever the writer''s TimeZone and DateStyle'
);
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'audit_verify is clean in a third zone and style after writes from two others');
SET LOCAL TimeZone = 'Pacific/Kiritimati';
SET LOCAL IntervalStyle = 'iso_8601';
SET LOCAL extra_float_digits = 3;
SELECT is_empty($$SELECT * FROM erp.audit_verify('a0000000-0000-4000-8000-00000000000a')$$,
    'and in a fourth');
SELECT is(
    (SELECT e.changes FROM erp.erp_audit_events AS e WHERE e.trace_id = 'la'),
    '{"name": {"old": "Tokyo KK 2", "new": "Tokyo KK 3"}}'::jsonb,
    'changes between writes from two zones name only what changed'
);
RESET TimeZone;
RESET DateStyle;
RESET IntervalStyle;
RESET extra_float_digits;

-- ===== 2. bounded input: limits, and no raw PostgreSQL error for typed input ================
SELECT pg_temp.refused($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'BIG', 'Big', p_address => jsonb_build_object('street', repeat('x', 17000)))$$,
    'ZE003', 'an address over 16 kB');
SELECT pg_temp.refused($$SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'P-1', repeat('n', 501), pg_temp.uom('KG'))$$,
    'ZE003', 'a product name over 500 characters');
SELECT pg_temp.refused($$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    repeat('C', 3000), 'Long', 'W', 'bigger', 2)$$,
    'ZE003', 'a 3000-character code (not 54000: index row too big)');
SELECT throws_like($$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    repeat('C', 3000), 'Long', 'W', 'bigger', 2)$$,
    '%longer than 100 characters: ''CCCC%(3000 characters)',
    'the message quotes at most 40 characters of the code and says how long it was');
SELECT pg_temp.refused($$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'HUGE', 'Huge', 'W', 'bigger', 1e100)$$,
    'ZE003', 'a factor above 1e12');
SELECT pg_temp.refused($$SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'TINY', 'Tiny', 'W', 'smaller', 1.0000000000001)$$,
    'ZE003', 'a factor with more than 12 decimals');
SELECT pg_temp.refused($$SELECT erp.uom_convert('a0000000-0000-4000-8000-00000000000a', 1e100,
    pg_temp.uom('KG'), pg_temp.uom('KG'))$$,
    'ZE003', 'uom_convert: a quantity beyond 1e15 (not 22003)');
SELECT erp.sequence_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'setup', 'SO', 'Orders', 'SO-');
SELECT pg_temp.refused($$SELECT * FROM erp.sequence_next_batch('a0000000-0000-4000-8000-00000000000a', NULL,
    'SYSTEM', 't', 'SO', 2147483648)$$,
    'ZE003', 'sequence_next_batch: a count beyond integer (not 42883)');
SELECT pg_temp.refused($$SELECT erp.sequence_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'PAD', 'Pad', p_padding => 2147483648)$$,
    'ZE003', 'sequence_create: a padding beyond integer (not 42883)');
SELECT pg_temp.refused($$SELECT erp.audit_events('a0000000-0000-4000-8000-00000000000a', p_limit => 2147483648)$$,
    'ZE003', 'audit_events: a limit beyond integer (not 42883)');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', 't', 'erp.base.uom_category', '[{"code": "OBJ", "name": {"a": 1}}]')$$,
    'ZE003', 'insert_many: a JSON object for a text field (the JSON types are checked)');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_many_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', 't', 'erp.base.uom_category', jsonb_build_array(jsonb_build_object('code', repeat('K', 3000),
    'name', 'Long')))$$,
    'ZE003', 'insert_many: a 3000-character code (the table''s limits apply to the generic writers)');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', 't', 'erp.base.partner', jsonb_build_object('code', 'JX', 'name', 'J',
    'address', jsonb_build_object('x', repeat('y', 20000))))$$,
    'ZE003', 'insert: an address over 16 kB through the generic writer');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', 't', 'erp.base.partner', '{"code": "JY", "name": "J", "parent_id": "not-a-uuid"}')$$,
    'ZE003', 'insert: a malformed uuid (not 22P02)');
SELECT pg_temp.refused($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', 't', 'erp.base.partner', '{"code": "JZ", "name": "J", "parent_id": "99999999-0000-4000-8000-000000000000"}')$$,
    'ZE001', 'insert: a reference to a partner that does not exist (not 23503)');

-- ===== 3. invisible characters and full case folding =======================================
SELECT pg_temp.refused(format($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    't', %L, 'Acme')$$, 'AC' || chr(8205) || 'ME'), 'ZE003', 'a code with a zero-width joiner');
SELECT pg_temp.refused(format($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    't', %L, 'Acme')$$, 'AC' || chr(173) || 'ME'), 'ZE003', 'a code with a soft hyphen');
SELECT pg_temp.refused(format($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    't', %L, 'Acme')$$, chr(65279) || 'ACME'), 'ZE003', 'a code with a byte order mark');
SELECT pg_temp.refused(format($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    't', %L, 'Acme')$$, chr(27) || '[31mACME'), 'ZE003', 'a code with an escape sequence');
SELECT pg_temp.refused(format($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    't', 'RTL', %L)$$, 'Acme' || chr(8238) || 'emcA'), 'ZE003', 'a name with a bidi override');
SELECT pg_temp.refused($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    't', 'TAB', E'\t')$$, 'ZE003', 'a name made of a tab');
SELECT pg_temp.refused(format($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    't', 'ZWSP', %L)$$, chr(8203)), 'ZE003', 'a name made of a zero-width space');
SELECT pg_temp.refused(format($$SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL,
    'SYSTEM', 't', %L, 'Line')$$, 'L' || chr(8232) || 'S'), 'ZE003', 'a code with a line separator');
SELECT lives_ok($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'straße', 'Strasse GmbH')$$, 'a code with ß');
SELECT pg_temp.refused($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    'STRASSE', 'Another')$$, 'ZE002', 'STRASSE is the same code as straße (full case folding)');
SELECT is(erp._code_key('ǅ'), erp._code_key('ǆ'), 'titlecase digraphs fold to their lower case');
SELECT is(erp._code_key(' ＡＣＭＥ　'), 'acme', 'NFKC then folding: full-width letters and an ideographic space');
SELECT is(erp._code_key('ΣΊΣΥΦΟΣ'), erp._code_key('σίσυφος'), 'Greek final sigma folds like sigma');
SELECT lives_ok($$SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 't',
    ' TRIM-ME ', E'\tName with edges\n')$$, 'spaces, tabs and line breaks at the edges are trimmed, not refused');
SELECT is((SELECT (p.code, p.name)::text FROM erp.erp_partners AS p WHERE p.code_key = 'trim-me'),
    ('TRIM-ME', 'Name with edges')::text, 'stored trimmed');

-- the constraint-side test takes an ASCII short cut; it answers as the full table does
SELECT is(
    (SELECT count(*) FROM generate_series(1, 127) AS c
    WHERE erp._has_invisible('A' || chr(c) || 'B') IS DISTINCT FROM erp._has_invisible_unicode('A' || chr(c) || 'B')),
    0::bigint, 'erp._has_invisible: the ASCII short cut agrees with the full table for every ASCII character');
SELECT is(
    (SELECT count(*) FROM generate_series(128, 1114111) AS c
    WHERE c NOT BETWEEN 55296 AND 57343
        AND erp._has_invisible('A' || chr(c)) IS DISTINCT FROM erp._has_invisible_unicode('A' || chr(c))),
    0::bigint, 'erp._has_invisible: non-ASCII text goes to the full table (every code point)');
SELECT ok(erp._has_invisible(NULL) IS NULL AND NOT erp._has_invisible('') AND erp._has_invisible(E'a\u200Bb'),
    'erp._has_invisible: NULL, empty, a zero-width space');

-- ===== 4. error messages stay short ==========================================================
CREATE TEMP TABLE big_patch ON COMMIT DROP AS
SELECT jsonb_object_agg('k' || g, g) AS patch FROM generate_series(1, 200000) AS g;
CREATE FUNCTION pg_temp.error_length(p_sql text) RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    v_message text;
    v_detail text;
    v_hint text;
BEGIN
    EXECUTE p_sql;
    RETURN -1;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
    RETURN length(v_message) + coalesce(length(v_detail), 0) + coalesce(length(v_hint), 0);
END
$fn$;
SELECT cmp_ok(pg_temp.error_length($$SELECT erp.uom_update('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    't', pg_temp.uom('KG'), (SELECT b.patch FROM big_patch AS b))$$), '<', 2000,
    'a patch with 200000 unknown keys: the error stays under 2 kB (it lists 10 keys and counts the rest)');
SELECT cmp_ok(pg_temp.error_length($$SELECT erp.atomic_insert_with_audit('a0000000-0000-4000-8000-00000000000a',
    NULL, 'SYSTEM', 't', 'erp.base.uom_category', (SELECT b.patch FROM big_patch AS b))$$), '<', 2000,
    'an insert with 200000 unknown keys: a short error');
SELECT cmp_ok(pg_temp.error_length(format($$SELECT erp.sequence_next('a0000000-0000-4000-8000-00000000000a', NULL,
    'SYSTEM', 't', %L)$$, repeat('z', 1000000))), '<', 2000, 'an unknown 1 MB sequence code: a short error');
SELECT cmp_ok(pg_temp.error_length(format($$SELECT erp.tenant_create(gen_random_uuid(), NULL, 'SYSTEM', 't',
    'X', %L)$$, repeat('z', 1000000))), '<', 2000, 'an unknown 1 MB time zone: a short error');

-- ===== 5. audited writes without subtransactions ============================================
-- a subtransaction that writes takes a transaction id of its own, which its rows carry as xmin:
-- rows written without one carry the top transaction's id. (Counting the cluster's ids instead
-- would also count other sessions' transactions.) The probe writes a row in a subtransaction of
-- its own and reads the id it got: two probes around some writes differ by 1 plus the ids those
-- writes took, at least.
CREATE TEMP TABLE xid_probe (n integer) ON COMMIT DROP;
CREATE FUNCTION pg_temp.next_xid() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_xid bigint;
BEGIN
    BEGIN
        INSERT INTO xid_probe VALUES (1) RETURNING xmin::text::bigint INTO v_xid;
    EXCEPTION WHEN OTHERS THEN
        RAISE;
    END;
    RETURN v_xid;
END
$$;
SELECT count(*) FROM generate_series(1, 250) AS g (n)
CROSS JOIN LATERAL erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    'bulk' || g.n, 'C' || g.n, 'Category ' || g.n);
SELECT count(*) FROM generate_series(1, 250) AS g (n)
INNER JOIN erp.erp_uom_categories AS c ON c.code = 'C' || g.n
CROSS JOIN LATERAL erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    'bulk' || g.n, 'erp.base.uom_category', c.id, '{"name": "Renamed"}');
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e
        WHERE e.trace_id LIKE 'bulk%'
            AND e.xmin::text <> (pg_current_xact_id()::text::numeric % 4294967296)::text)
    + (SELECT count(*) FROM erp.erp_uom_categories AS c
        WHERE c.code LIKE 'C%' AND c.xmin::text <> (pg_current_xact_id()::text::numeric % 4294967296)::text),
    0::bigint,
    '500 audited writes in one transaction open no subtransaction (their rows carry the transaction''s own id)'
);
SELECT is(
    (SELECT count(*) FROM erp.erp_audit_events AS e WHERE e.trace_id LIKE 'bulk%'),
    500::bigint,
    'and wrote their 500 events'
);
CREATE TEMP TABLE xid_rename ON COMMIT DROP AS SELECT pg_temp.next_xid() AS n;
SELECT count(*) FROM generate_series(1, 20) AS g (n)
INNER JOIN erp.erp_uom_categories AS c ON c.code = 'C' || g.n
CROSS JOIN LATERAL erp.atomic_update_with_audit('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM',
    'rename' || g.n, 'erp.base.uom_category', c.id, jsonb_build_object('code', 'R' || g.n));
SELECT cmp_ok(pg_temp.next_xid() - (SELECT x.n FROM xid_rename AS x), '>=', 20::bigint,
    'a key change is the one write that runs in a subtransaction (to map a lost race to ZE002): the measure sees it');

-- ===== 6. legacy time zone names ===========================================================
SELECT pg_temp.refused($$SELECT erp.tenant_create(gen_random_uuid(), NULL, 'SYSTEM', 't', 'X', 'EST')$$,
    'ZE003', 'EST (a legacy alias) is not a tenant zone');
SELECT pg_temp.refused($$SELECT erp.tenant_create(gen_random_uuid(), NULL, 'SYSTEM', 't', 'X', 'posixrules')$$,
    'ZE003', 'posixrules is not a tenant zone');
SELECT pg_temp.refused($$SELECT erp.tenant_create(gen_random_uuid(), NULL, 'SYSTEM', 't', 'X', 'US/Eastern')$$,
    'ZE003', 'US/Eastern (a backward-compatible alias) is not a tenant zone');
SELECT pg_temp.refused($$SELECT erp.tenant_create(gen_random_uuid(), NULL, 'SYSTEM', 't', 'X', 'posix/Europe/Berlin')$$,
    'ZE003', 'the posix/ tree is not a tenant zone');
SELECT lives_ok($$SELECT erp.tenant_create(gen_random_uuid(), NULL, 'SYSTEM', 't', 'X', 'America/Argentina/Buenos_Aires')$$,
    'a three-part IANA name is a tenant zone');

-- ===== 7. no advisory lock on any application path ===========================================
SELECT is_empty(
    $$SELECT p.oid::regprocedure FROM pg_proc AS p
    WHERE p.pronamespace = 'erp'::regnamespace AND p.prosrc ~* 'pg_(try_)?advisory'$$,
    'no function of schema erp takes an advisory lock (any login could hold the key and stall it)'
);

SELECT * FROM finish();
ROLLBACK;
