-- Tenant A of the master-data tests (a0000000-…-00000000000a, "Acme") and the ids of its rows
-- by code (test shorthand): pg_temp.u(code) a unit, pg_temp.partner(code) a partner,
-- pg_temp.product(sku) a product. Included after plan().
SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'trace-a', 'Acme');

CREATE FUNCTION pg_temp.u(p_code text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT u.id FROM erp.erp_uoms AS u
    WHERE u.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND u.code_key = erp._code_key(p_code)
$fn$;
CREATE FUNCTION pg_temp.partner(p_code text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT p.id FROM erp.erp_partners AS p
    WHERE p.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND p.code_key = erp._code_key(p_code)
$fn$;
CREATE FUNCTION pg_temp.product(p_sku text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT p.id FROM erp.erp_products AS p
    WHERE p.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND p.sku_key = erp._code_key(p_sku)
$fn$;
