-- The active sequence with this code in this tenant and the tenant's time zone, read in one
-- query (no row when anything is missing: erp._sequence_missing says why). A single SELECT:
-- the planner inlines it into the caller's statement.
CREATE OR REPLACE FUNCTION erp._sequence_lookup(p_tenant_id uuid, p_code text)
RETURNS TABLE (seq erp.erp_sequences, timezone text)
LANGUAGE sql STABLE
AS $fn$
    SELECT s, t.timezone
    FROM erp.erp_tenants AS t INNER JOIN erp.erp_sequences AS s ON s.tenant_id = t.id
    WHERE t.id = p_tenant_id AND t.active AND s.code_key = erp._code_key(p_code) AND s.active
$fn$;
COMMENT ON FUNCTION erp._sequence_lookup(uuid, text) IS
    'Active sequence by code and the tenant''s time zone, in one query (no row if either is missing).';
