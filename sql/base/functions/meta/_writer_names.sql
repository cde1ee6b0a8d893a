-- The generated writers of an entity that a template calls, as template values: each kind
-- ("lock", "write", ...) mapped to its function's name, quoted (_<prefix>_<kind>).
CREATE OR REPLACE FUNCTION erp_meta._writer_names(p_writer_prefix text, p_kinds text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT jsonb_object_agg(k.kind, format('%I', '_' || p_writer_prefix || '_' || k.kind))
    FROM unnest(p_kinds) AS k (kind)
$fn$;
COMMENT ON FUNCTION erp_meta._writer_names(text, text[]) IS
    'The quoted names of an entity''s generated writers of the given kinds, as template values.';
