-- The single-row audit write (batch inserts write their events in the generated statement).
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
BEGIN
    INSERT INTO erp.erp_audit_events (
        tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
        trace_id, payload, entity_version, changes, created_at
    ) VALUES (
        p_tenant_id, erp.uuid_v7(), p_actor_user_id, p_actor_type, p_entity_type, p_entity_id,
        p_event_type, p_trace_id, p_payload, p_entity_version, p_changes,
        pg_catalog.clock_timestamp()
    );
END
$fn$;
COMMENT ON FUNCTION erp._audit_append(uuid, uuid, text, text, text, uuid, text, bigint, jsonb, jsonb)
IS 'Appends one audit event; called inside the writing function, so both commit or neither.';
