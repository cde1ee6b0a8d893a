-- Fragment of erp._json_insert, one per entity type: the JSON rows converted (ZE003), checked
-- against the table's constraints (ZE003/ZE001), inserted with their created events (ZE002 on a
-- taken key); one row through erp._<prefix>_create.
CREATE OR REPLACE FUNCTION erp_meta._template_json_insert_branch() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
WHEN {{entity}} THEN
    DECLARE
        v_rows {{table}}[] := erp.{{from_json}}(p_rows);
    BEGIN
        PERFORM erp.{{check}}(p_tenant_id, v_rows, true);
        IF pg_catalog.cardinality(v_rows) = 1 THEN
            RETURN NEXT pg_catalog.to_jsonb(erp.{{create}}(
                p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_rows[1]
            ));
        ELSE
            RETURN QUERY
            SELECT pg_catalog.to_jsonb(w)
            FROM erp.{{insert}}(
                p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_rows
            ) AS w;
        END IF;
    END;
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_json_insert_branch() IS
    'Generator template (placeholders: entity, table, from_json, check, create, insert).';
