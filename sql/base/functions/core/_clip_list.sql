-- At most p_max items of a list for an error message, and how many were left out.
CREATE OR REPLACE FUNCTION erp._clip_list(p_items text[], p_max integer DEFAULT 10) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.array_to_string(
        (SELECT pg_catalog.array_agg(erp._clip(i.item, 40) ORDER BY i.ord)
        FROM pg_catalog.unnest(p_items[1:p_max]) WITH ORDINALITY AS i (item, ord)), ', ')
        || CASE WHEN pg_catalog.cardinality(p_items) > p_max
            THEN pg_catalog.format(' and %s more', pg_catalog.cardinality(p_items) - p_max) ELSE '' END
$fn$;
COMMENT ON FUNCTION erp._clip_list(text[], integer) IS
    'The first p_max items of a list, quoted and clipped, and how many more there are.';
