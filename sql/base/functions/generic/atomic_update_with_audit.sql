-- Generic audited update for module authors. p_event 'updated' (or a verb the entity type
-- declares) applies p_patch (only patchable keys, values of the right JSON type); 'archived' /
-- 'restored' flip active and take no patch.
-- The new row is checked against the table's constraints; nothing changed: no event.
CREATE OR REPLACE FUNCTION erp.atomic_update_with_audit(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_entity_type text,
    p_id uuid,
    p_patch jsonb,
    p_expected_version bigint DEFAULT NULL,
    p_event text DEFAULT 'updated'
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    -- the entity's own verbs (erp_meta.entity_types.verbs) apply a patch like updated; an
    -- unknown entity type is left to the dispatcher, which names it
    IF p_event IS NULL OR p_event NOT IN ('updated', 'archived', 'restored') AND NOT EXISTS (
        SELECT 1 FROM erp_meta.entity_types AS e WHERE e.entity_type = p_entity_type AND p_event = ANY (e.verbs)
    ) THEN
        RAISE EXCEPTION 'unknown event % for %', erp._clip(p_event, 40), erp._clip(p_entity_type, 100)
            USING ERRCODE = 'ZE003',
                HINT = 'p_event is updated, archived, restored or a verb the entity type declares.';
    END IF;
    IF p_event IN ('archived', 'restored') AND coalesce(p_patch, '{}'::jsonb) <> '{}'::jsonb THEN
        RAISE EXCEPTION '% takes no patch', p_event USING ERRCODE = 'ZE003';
    END IF;
    RETURN erp._json_update(p_entity_type, p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, p_id,
        p_patch, p_expected_version, p_event);
END
$fn$;
COMMENT ON FUNCTION erp.atomic_update_with_audit(uuid, uuid, text, text, text, uuid, jsonb, bigint, text)
IS 'Audited update / archive / restore of one row: version + 1 and one event with the changes.';
REVOKE ALL ON FUNCTION erp.atomic_update_with_audit(uuid, uuid, text, text, text, uuid, jsonb, bigint, text)
FROM PUBLIC;
