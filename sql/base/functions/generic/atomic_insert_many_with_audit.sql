-- Generic audited batch insert for module authors: p_rows is a JSON array of objects whose keys
-- are columns of the entity's table (at most 100000). Every row is converted and checked
-- first (ZE003 / ZE001 naming the row and the field); then one statement writes every row and
-- one created event per row; any invalid row refuses the whole batch.
CREATE OR REPLACE FUNCTION erp.atomic_insert_many_with_audit(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_entity_type text,
    p_rows jsonb
) RETURNS SETOF jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    RETURN QUERY SELECT w FROM erp._json_insert(p_entity_type, p_tenant_id, p_actor_user_id, p_actor_type,
        p_trace_id, p_rows) AS w;
END
$fn$;
COMMENT ON FUNCTION erp.atomic_insert_many_with_audit(uuid, uuid, text, text, text, jsonb) IS
    'Audited batch insert: every row of p_rows and one created event per row, in one statement.';
REVOKE ALL ON FUNCTION erp.atomic_insert_many_with_audit(uuid, uuid, text, text, text, jsonb)
FROM PUBLIC;
