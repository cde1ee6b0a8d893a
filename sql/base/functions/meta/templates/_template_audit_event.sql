-- Fragment of the audited writers: the CTE inserting one audit event per row that the CTE
-- {{source}} returned (its snapshot {{snapshot}} over the row w, its changes {{changes}}).
CREATE OR REPLACE FUNCTION erp_meta._template_audit_event() RETURNS text
LANGUAGE sql IMMUTABLE
AS $template$
    SELECT $text$
ev AS (
    INSERT INTO erp.erp_audit_events (
        tenant_id, id, actor_user_id, actor_type, entity_type, entity_id, event_type,
        trace_id, payload, entity_version, changes, created_at
    )
    SELECT w.tenant_id,
        erp._uuid_v7_at(w.erp_at),
        p_actor_user_id,
        p_actor_type,
        {{entity}},
        w.id,
        {{event}},
        p_trace_id,
        {{snapshot}},
        w.version,
        {{changes}},
        w.erp_at
    FROM (SELECT {{source}}.*, pg_catalog.clock_timestamp() AS erp_at FROM {{source}}) AS w
)
$text$
$template$;
COMMENT ON FUNCTION erp_meta._template_audit_event() IS
    'Generator template (placeholders: source, entity, event, snapshot, changes).';
