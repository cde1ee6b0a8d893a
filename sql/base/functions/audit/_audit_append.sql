-- A single audit event written by a function that has no generated writer (tenant_create,
-- sequence events outside the allocation statement, purge and archive records). The id and
-- created_at come from one clock reading; db_user and xact_id from the database.
CREATE OR REPLACE FUNCTION erp._audit_append(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_entity_type text,
    p_entity_id uuid,
    p_event_type text,
    p_entity_version bigint,
    p_payload jsonb,
    p_changes jsonb
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_at timestamptz := pg_catalog.clock_timestamp();
BEGIN
    INSERT INTO erp.erp_audit_events (
        tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
        trace_id, payload, entity_version, changes, created_at
    ) VALUES (
        p_tenant_id, erp._uuid_v7_at(v_at), p_actor_user_id, p_actor_type, p_entity_type, p_entity_id,
        p_event_type, p_trace_id, p_payload, p_entity_version, p_changes, v_at
    );
END
$fn$;
COMMENT ON FUNCTION erp._audit_append(uuid, uuid, text, text, text, uuid, text, bigint, jsonb, jsonb)
IS 'Appends one audit event; called inside the writing function, so both commit or neither.';
