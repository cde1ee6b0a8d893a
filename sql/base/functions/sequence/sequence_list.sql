CREATE OR REPLACE FUNCTION erp.sequence_list(p_tenant_id uuid) RETURNS SETOF erp.erp_sequences
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT s.* FROM erp.erp_sequences AS s WHERE s.tenant_id = p_tenant_id
    ORDER BY s.code_key, s.id
$fn$;
COMMENT ON FUNCTION erp.sequence_list(uuid) IS 'The tenant''s sequences, ordered by code.';
REVOKE ALL ON FUNCTION erp.sequence_list(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_list(uuid) TO erp_app, erp_admin;
