-- Generic audited insert of one row (p_values: column -> value) for module authors: checked
-- against the table's constraints first (ZE003 / ZE001 naming the field), then the row and its
-- created event in one statement (ZE002 on a taken key).
CREATE OR REPLACE FUNCTION erp.atomic_insert_with_audit(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_entity_type text,
    p_values jsonb
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row jsonb;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    IF p_values IS NULL OR jsonb_typeof(p_values) <> 'object' THEN
        RAISE EXCEPTION 'p_values must be a JSON object' USING ERRCODE = 'ZE003';
    END IF;
    SELECT w INTO v_row FROM erp._json_insert(p_entity_type, p_tenant_id, p_actor_user_id, p_actor_type,
        p_trace_id, jsonb_build_array(p_values)) AS w;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.atomic_insert_with_audit(uuid, uuid, text, text, text, jsonb) IS
    'Audited insert of one row: the row and its created event, both or neither.';
REVOKE ALL ON FUNCTION erp.atomic_insert_with_audit(uuid, uuid, text, text, text, jsonb)
FROM PUBLIC;
