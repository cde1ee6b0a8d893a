-- Tenant A of the master-data tests (a0000000-…-00000000000a, "Acme") and pg_temp.u(code): the
-- id of one of its units by code (test shorthand). Included after plan().
SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'Acme');

CREATE FUNCTION pg_temp.u(p_code text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT u.id FROM erp.erp_uoms AS u
    WHERE u.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND u.code_key = erp._code_key(p_code)
$fn$;
