-- A fragment of generated SQL rendered from its template (erp_meta._render), without the line
-- breaks around it, ready to be the value of a placeholder of another template.
CREATE OR REPLACE FUNCTION erp_meta._fragment(p_template text, p_values jsonb) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT btrim(erp_meta._render(p_template, p_values), E'\n')
$fn$;
COMMENT ON FUNCTION erp_meta._fragment(text, jsonb) IS
    'A template rendered as a fragment of generated SQL (no surrounding line breaks).';
