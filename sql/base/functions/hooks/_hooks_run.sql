-- Runs the functions registered for p_hook (erp_meta.hooks) in position order, each with the
-- tenant and the record, inside the caller's transaction: an error in one aborts the caller's
-- operation. Called by document operations (confirm, cancel, done), never by the entity writers:
-- with no hook registered it is one index lookup.
CREATE OR REPLACE FUNCTION erp._hooks_run(p_hook text, p_tenant_id uuid, p_record jsonb) RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_call text;
    v_count integer := 0;
BEGIN
    -- the function names come from the catalog (erp_meta.hooks holds signatures); the hooks
    -- write, so VOLATILE is right although the checker cannot see into the dynamic call
    -- @plpgsql_check_options: security_warnings = false, performance_warnings = false
    FOR v_call IN
        SELECT pg_catalog.format('SELECT %I.%I($1, $2)', n.nspname, p.proname)
        FROM erp_meta.hooks AS h
        INNER JOIN pg_catalog.pg_proc AS p ON p.oid = pg_catalog.to_regprocedure(h.function)
        INNER JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
        WHERE h.hook = p_hook
        ORDER BY h.position
    LOOP
        EXECUTE v_call USING p_tenant_id, p_record;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$fn$;
COMMENT ON FUNCTION erp._hooks_run(text, uuid, jsonb) IS
    'Calls the functions registered for a hook, in position order, with the tenant and the record; '
    'returns how many ran. An error in one aborts the caller.';
