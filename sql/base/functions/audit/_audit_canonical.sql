-- The canonical form of an audit event: one line of JSON with every stored column, timestamps
-- as UTC ISO 8601 with microseconds, jsonb as stored, uuids in lower case, xact_id in decimal
-- (jsonb's key order: by length, then bytes). verify, the month digest, the archive export and
-- the seal all hash this one text, so an archive can be checked against the seal years later.
CREATE OR REPLACE FUNCTION erp._audit_canonical(p_event erp.erp_audit_events) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.jsonb_build_object(
        'tenant_id', (p_event).tenant_id, 'id', (p_event).id, 'actor_user_id', (p_event).actor_user_id,
        'actor_type', (p_event).actor_type, 'entity_type', (p_event).entity_type,
        'entity_id', (p_event).entity_id, 'event_type', (p_event).event_type, 'trace_id', (p_event).trace_id,
        'payload', (p_event).payload, 'entity_version', (p_event).entity_version, 'changes', (p_event).changes,
        'created_at', erp._utc((p_event).created_at), 'db_user', (p_event).db_user,
        'xact_id', (p_event).xact_id::text
    )::text
$fn$;
COMMENT ON FUNCTION erp._audit_canonical(erp.erp_audit_events) IS
    'Canonical JSON line of an event (every column; UTC timestamps): what digests, exports and seals hash.';
