-- Creates one generated function: its template rendered (erp_meta._render) with the values
-- and the function's name as {{function}}, then run. Returns the name, which
-- erp_meta.regenerate_writers() records in erp_meta.generated_functions.
CREATE OR REPLACE FUNCTION erp_meta._generate(p_function text, p_template text, p_values jsonb)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_ddl constant text := erp_meta._render(p_template,
        p_values || jsonb_build_object('function', format('%I', p_function)));
BEGIN
    -- the DDL is a template of the generator filled with SQL built from the catalog and the
    -- registry; only the owner runs this, at migrate time
    -- @plpgsql_check_options: security_warnings = false, performance_warnings = false
    EXECUTE v_ddl;
    RETURN p_function;
END
$fn$;
COMMENT ON FUNCTION erp_meta._generate(text, text, jsonb) IS
    'Creates the generated function p_function from its template and values; returns its name.';
