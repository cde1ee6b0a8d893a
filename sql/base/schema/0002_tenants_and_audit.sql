-- Tenants, the immutable audit trail and the entity registry.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- The code key behind "unique per tenant after trim + NFKC + case folding". It lives in the
-- schema, not in sql/functions: stored generated columns and unique keys are built from it.
CREATE FUNCTION erp._code_key(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(btrim(normalize(p_code, nfkc), E' \t\r\n'));
COMMENT ON FUNCTION erp._code_key(text) IS
    'Comparison key of a code: NFKC-normalised, trimmed, lower-cased ("KG" = " kg " = "ＫＧ")';

CREATE TABLE erp.erp_tenants (
    id uuid NOT NULL,
    name text NOT NULL CHECK (btrim(name) <> ''),
    timezone text NOT NULL DEFAULT 'UTC',
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT erp_tenants_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE erp.erp_tenants IS
    'Tenants. id is the tenant id every other table carries first in its keys.';
COMMENT ON COLUMN erp.erp_tenants.timezone IS
    'IANA zone (pg_timezone_names); "today" for sequence periods is taken in this zone';

CREATE TABLE erp.erp_audit_events (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    actor_user_id uuid,
    actor_type text NOT NULL CHECK (actor_type IN ('USER', 'SYSTEM')),
    entity_type text NOT NULL,
    entity_id uuid NOT NULL,
    event_type text NOT NULL,
    trace_id text,
    payload jsonb NOT NULL,
    entity_version bigint CHECK (entity_version > 0),
    changes jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- No foreign key to erp_tenants: every writer validated the tenant in the same
    -- transaction and tenants are never deleted, while the key check would take a KEY SHARE
    -- lock on the tenant row for every event, turning it into a multixact hot spot shared by
    -- all writers of the tenant (and of the tenants on the same page).
    CONSTRAINT erp_audit_events_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT erp_audit_events_user_check CHECK (
        actor_type <> 'USER' OR actor_user_id IS NOT NULL
    )
);
COMMENT ON TABLE erp.erp_audit_events IS
    'Append-only audit trail: one event per entity change or sequence number; never updated.';
COMMENT ON COLUMN erp.erp_audit_events.id IS 'time-ordered UUID (v7)';
COMMENT ON COLUMN erp.erp_audit_events.payload IS
    'full snapshot of the entity row after the change (allocations: value, formatted, period)';
COMMENT ON COLUMN erp.erp_audit_events.entity_version IS
    '1, 2, 3... per entity, no gaps; NULL for sequence allocations (not a definition change)';
COMMENT ON COLUMN erp.erp_audit_events.changes IS
    'for updates: {"field": {"old": ..., "new": ...}} of the fields that changed';

-- one event per entity version; sequence allocations (entity_version NULL) stay out of it
CREATE UNIQUE INDEX erp_audit_events_entity_version_key
ON erp.erp_audit_events (tenant_id, entity_type, entity_id, entity_version)
WHERE entity_version IS NOT NULL;
COMMENT ON INDEX erp.erp_audit_events_entity_version_key IS 'entity_version';
-- per-entity history, tenant time pages (keyset on created_at, id), trace look-ups
CREATE INDEX erp_audit_events_entity_idx
ON erp.erp_audit_events (tenant_id, entity_id, created_at, id);
CREATE INDEX erp_audit_events_time_idx
ON erp.erp_audit_events (tenant_id, created_at, id);
CREATE INDEX erp_audit_events_trace_idx
ON erp.erp_audit_events (tenant_id, trace_id) WHERE trace_id IS NOT NULL;

-- Immutability: the trigger function lives with the table it protects.
CREATE FUNCTION erp._audit_reject_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE EXCEPTION 'audit events are immutable: % on erp.erp_audit_events is not allowed', tg_op
        USING ERRCODE = 'ZE007',
        HINT = 'Record a new event instead of changing or removing an old one.';
END
$fn$;
COMMENT ON FUNCTION erp._audit_reject_change() IS
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on the audit trail (ZE007).';

CREATE TRIGGER erp_audit_events_no_update_delete
BEFORE UPDATE OR DELETE ON erp.erp_audit_events
FOR EACH ROW EXECUTE FUNCTION erp._audit_reject_change();
CREATE TRIGGER erp_audit_events_no_truncate
BEFORE TRUNCATE ON erp.erp_audit_events
FOR EACH STATEMENT EXECUTE FUNCTION erp._audit_reject_change();
-- ALWAYS: session_replication_role = replica must not switch them off
ALTER TABLE erp.erp_audit_events ENABLE ALWAYS TRIGGER erp_audit_events_no_update_delete;
ALTER TABLE erp.erp_audit_events ENABLE ALWAYS TRIGGER erp_audit_events_no_truncate;

-- Entity registry: maps an entity type to its table; the generated static writers
-- (erp._<prefix>_insert / _lock / _write) are rebuilt from it on every migrate.
CREATE TABLE erp_meta.entity_types (
    entity_type text PRIMARY KEY CHECK (entity_type ~ '^[a-z0-9_]+(\.[a-z0-9_]+)+$'),
    table_name text NOT NULL UNIQUE,
    writer_prefix text NOT NULL UNIQUE CHECK (writer_prefix ~ '^[a-z][a-z0-9_]*$'),
    readonly_columns text[] NOT NULL DEFAULT '{}',
    insert_keys text[] NOT NULL DEFAULT '{}',
    patch_keys text[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE erp_meta.entity_types IS
    'Entity registry: entity_type -> table in schema erp; insert_keys/patch_keys are derived '
    'from the catalog by erp_meta.regenerate_writers()';
COMMENT ON COLUMN erp_meta.entity_types.readonly_columns IS
    'columns a patch may not change beyond the standard ones (tenant_id, id, version, active, '
    'created_at, updated_at, generated columns)';

ALTER TABLE erp.erp_tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_tenants_owner ON erp.erp_tenants TO erp_owner USING (true) WITH CHECK (true);
ALTER TABLE erp.erp_audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_audit_events_owner ON erp.erp_audit_events TO erp_owner
USING (true) WITH CHECK (true);
