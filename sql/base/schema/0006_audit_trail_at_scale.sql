-- The audit trail for years: range-partitioned by month on its time-ordered id, the writer
-- recorded by the database (db_user, xact_id), retention settings and the archive ledger.
--
-- Partition key: id (UUIDv7; the first 48 bits are Unix milliseconds), so the primary key
-- stays (tenant_id, id) and a month's bounds are the UUIDs of its first millisecond in UTC.
-- The installed table is converted in place: an empty one is dropped; one with events becomes
-- the partition erp_audit_events_legacy, covering everything before the first month boundary
-- after its newest event (rows and ids kept, no copy; its new indexes are built here, while
-- the ACCESS EXCLUSIVE lock of the conversion keeps writers waiting).
-- Indexes (each partition has each one), and the query that needs it:
--   (tenant_id, id)                      primary key; audit_events pages, seal and verify lookups
--   (tenant_id, entity_id, entity_version)  audit_history, entity_as_of, audit_verify
--   (tenant_id, trace_id) WHERE trace_id IS NOT NULL   audit_events by trace id
--   (tenant_id, xact_id, id)             audit_feed and audit_seal: commit-safe positions
-- The former unique (entity, version) index cannot exist on a partitioned table (it would have
-- to contain the partition key): the writers keep versions unique under the entity row's lock
-- and audit_verify checks it.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '30min';
SET LOCAL ROLE erp_owner;

-- result types change with the table: sql/functions creates them again in the same
-- transaction, so no client ever sees them missing
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS erp.audit_history(uuid, text, uuid);
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS erp.audit_events(uuid, timestamptz, timestamptz, text, text, uuid, text, uuid, integer);

-- The first UUID of a UTC month: 48 bits of milliseconds, every other bit zero. A partition
-- bound and the month of an event id (independent of the session's TimeZone). Months outside
-- what 48 bits of milliseconds since 1970 can hold give the smallest or the largest bound.
CREATE FUNCTION erp._audit_bound(p_month date) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    overlay(
        lpad(to_hex(least(greatest(
            (extract(EPOCH FROM date_trunc('month', p_month::timestamp)) * 1000)::bigint, 0), 281474976710655)), 12, '0')
        PLACING '-' FROM 9 FOR 0  -- noqa: CP05
    ) || '-0000-0000-000000000000'
)::uuid;
COMMENT ON FUNCTION erp._audit_bound(date) IS
    'The smallest UUIDv7 of the UTC month containing p_month: the audit partitions'' bounds.';

CREATE FUNCTION erp._audit_month(p_id uuid) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN date_trunc(
    'month',
    to_timestamp(('x' || lpad(replace(left(p_id::text, 13), '-', ''), 16, '0'))::bit(64)::bigint / 1000.0)
    AT TIME ZONE 'UTC'
)::date;
COMMENT ON FUNCTION erp._audit_month(uuid) IS
    'The UTC month of a UUIDv7 (its first 48 bits are Unix milliseconds): the month an event belongs to.';

-- ---- the writer, recorded by the database -------------------------------------------------
-- Events written before this migration keep db_user NULL (not recorded) and xact_id 0 (the
-- missing value stored with the column, no table rewrite): they all precede every later one.
ALTER TABLE erp.erp_audit_events ADD COLUMN db_user text;
ALTER TABLE erp.erp_audit_events ADD COLUMN xact_id xid8 NOT NULL DEFAULT '0';

-- ---- the old table steps aside ----------------------------------------------------------
-- The table is already locked ACCESS EXCLUSIVE by the ALTER TABLEs above (lock_timeout 5 s),
-- so dropping indexes without CONCURRENTLY blocks nobody further; the renames free the names
-- for the partitioned table that takes its place in this transaction, and clients only ever
-- call functions, never these names.
DROP TRIGGER erp_audit_events_no_update_delete ON erp.erp_audit_events;  -- the parent's is cloned
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX erp.erp_audit_events_entity_version_key;
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX erp.erp_audit_events_entity_idx;
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX erp.erp_audit_events_time_idx;
-- squawk-ignore renaming-table
ALTER TABLE erp.erp_audit_events RENAME TO erp_audit_events_legacy;
-- squawk-ignore renaming-object
ALTER INDEX erp.erp_audit_events_pkey RENAME TO erp_audit_events_legacy_pkey;
-- squawk-ignore renaming-object
ALTER INDEX erp.erp_audit_events_trace_idx RENAME TO erp_audit_events_legacy_trace_id_idx;
ALTER TABLE erp.erp_audit_events_legacy
-- squawk-ignore renaming-object
RENAME CONSTRAINT erp_audit_events_user_check TO erp_audit_events_actor_user_check;
ALTER TRIGGER erp_audit_events_no_truncate ON erp.erp_audit_events_legacy
-- squawk-ignore renaming-object
RENAME TO erp_audit_events_legacy_no_truncate;
-- squawk-ignore renaming-object
ALTER POLICY erp_audit_events_owner ON erp.erp_audit_events_legacy RENAME TO erp_audit_events_legacy_owner;

CREATE TABLE erp.erp_audit_events (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    actor_user_id uuid,
    actor_type text NOT NULL,
    entity_type text NOT NULL,
    entity_id uuid NOT NULL,
    event_type text NOT NULL,
    trace_id text,
    payload jsonb NOT NULL,
    entity_version bigint,
    changes jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    db_user text DEFAULT session_user,
    xact_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT erp_audit_events_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT erp_audit_events_actor_type_check CHECK (actor_type IN ('USER', 'SYSTEM')),
    CONSTRAINT erp_audit_events_entity_version_check CHECK (entity_version > 0),
    CONSTRAINT erp_audit_events_actor_user_check CHECK (actor_type <> 'USER' OR actor_user_id IS NOT NULL)
) PARTITION BY RANGE (id);
COMMENT ON TABLE erp.erp_audit_events IS
    'Append-only audit trail: one event per entity change or sequence number; never updated. '
    'Range-partitioned by month on id (erp.audit_partitions, erp.audit_maintain).';
COMMENT ON COLUMN erp.erp_audit_events.id IS
    'time-ordered UUID (v7): 48 bits of Unix milliseconds, then microseconds; the partition key';
COMMENT ON COLUMN erp.erp_audit_events.payload IS
    'full snapshot of the entity row after the change, canonical (timestamps in UTC); '
    'allocations: value, formatted, period';
COMMENT ON COLUMN erp.erp_audit_events.entity_version IS
    '1, 2, 3... per entity, no gaps; NULL for sequence allocations (not a definition change)';
COMMENT ON COLUMN erp.erp_audit_events.changes IS
    'for updates: {"field": {"old": ..., "new": ...}} of the fields that changed';
COMMENT ON COLUMN erp.erp_audit_events.db_user IS
    'the database login that wrote the event (session_user), set by the database; NULL before 0.2.0';
COMMENT ON COLUMN erp.erp_audit_events.xact_id IS
    'the writing transaction (pg_current_xact_id()), set by the database; 0 before 0.2.0';

CREATE INDEX erp_audit_events_entity_idx
ON erp.erp_audit_events (tenant_id, entity_id, entity_version);
COMMENT ON INDEX erp.erp_audit_events_entity_idx IS
    'audit_history, entity_as_of (latest version at a time) and audit_verify per entity';
CREATE INDEX erp_audit_events_trace_id_idx
ON erp.erp_audit_events (tenant_id, trace_id) WHERE trace_id IS NOT NULL;
COMMENT ON INDEX erp.erp_audit_events_trace_id_idx IS 'audit_events(p_trace_id => ...)';
CREATE INDEX erp_audit_events_xact_idx
ON erp.erp_audit_events (tenant_id, xact_id, id);
COMMENT ON INDEX erp.erp_audit_events_xact_idx IS
    'audit_feed and audit_seal: events in commit-safe (transaction id, id) order';

CREATE TRIGGER erp_audit_events_no_update_delete
BEFORE UPDATE OR DELETE ON erp.erp_audit_events
FOR EACH ROW EXECUTE FUNCTION erp._audit_reject_change();
CREATE TRIGGER erp_audit_events_no_truncate
BEFORE TRUNCATE ON erp.erp_audit_events
FOR EACH STATEMENT EXECUTE FUNCTION erp._audit_reject_change();
-- ALWAYS: session_replication_role = replica must not switch them off (partitions inherit it)
ALTER TABLE erp.erp_audit_events ENABLE ALWAYS TRIGGER erp_audit_events_no_update_delete;
ALTER TABLE erp.erp_audit_events ENABLE ALWAYS TRIGGER erp_audit_events_no_truncate;
ALTER TABLE erp.erp_audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_audit_events_owner ON erp.erp_audit_events TO erp_owner USING (true) WITH CHECK (true);

-- ---- the installed events: dropped when there are none, else one legacy partition ----------
DO $convert$
DECLARE
    v_newest uuid;
    v_bound uuid;
BEGIN
    SELECT e.id INTO v_newest FROM erp.erp_audit_events_legacy AS e ORDER BY e.id DESC LIMIT 1;
    IF v_newest IS NULL THEN
        DROP TABLE erp.erp_audit_events_legacy;
        RETURN;
    END IF;
    v_bound := erp._audit_bound((greatest(erp._audit_month(v_newest), (now() AT TIME ZONE 'UTC')::date)
        + interval '1 month')::date);
    -- a valid CHECK that implies the partition constraint spares ATTACH its own scan
    EXECUTE format('ALTER TABLE erp.erp_audit_events_legacy ADD CONSTRAINT erp_audit_events_legacy_range '
        'CHECK (id < %L::uuid)', v_bound);
    EXECUTE format('ALTER TABLE erp.erp_audit_events ATTACH PARTITION erp.erp_audit_events_legacy '
        'FOR VALUES FROM (MINVALUE) TO (%L)', v_bound);
    COMMENT ON TABLE erp.erp_audit_events_legacy IS
        'Audit events written before 0.2.0 (and until the first month boundary after the upgrade): '
        'one partition, purged as a whole once every month in it may be.';
END
$convert$;

-- Rows nobody planned a partition for (an import of old events, a stopped maintenance job)
-- land here instead of failing; erp.audit_maintain() moves them into their months.
CREATE TABLE erp.erp_audit_events_default PARTITION OF erp.erp_audit_events DEFAULT;
COMMENT ON TABLE erp.erp_audit_events_default IS
    'Events outside every monthly partition; kept empty by erp.audit_maintain().';
CREATE TRIGGER erp_audit_events_default_no_truncate
BEFORE TRUNCATE ON erp.erp_audit_events_default
FOR EACH STATEMENT EXECUTE FUNCTION erp._audit_reject_change();
ALTER TABLE erp.erp_audit_events_default ENABLE ALWAYS TRIGGER erp_audit_events_default_no_truncate;
ALTER TABLE erp.erp_audit_events_default ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_audit_events_default FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_audit_events_default_owner ON erp.erp_audit_events_default TO erp_owner
USING (true) WITH CHECK (true);

-- ---- retention and archives (installation-wide: no tenant) --------------------------------
CREATE TABLE erp_meta.audit_settings (
    singleton boolean NOT NULL DEFAULT true,
    retention_months integer NOT NULL DEFAULT 120,
    CONSTRAINT audit_settings_pkey PRIMARY KEY (singleton),
    CONSTRAINT audit_settings_singleton_check CHECK (singleton),
    CONSTRAINT audit_settings_retention_check CHECK (retention_months BETWEEN 1 AND 1200)
);
COMMENT ON TABLE erp_meta.audit_settings IS
    'Audit trail settings (one row). retention_months: a month may be purged only when it ended '
    'more than this many months ago (default 120, GoBD/HGB); changed by the owner only.';
INSERT INTO erp_meta.audit_settings DEFAULT VALUES;

CREATE TABLE erp_meta.audit_archives (
    month date NOT NULL,
    archived_at timestamptz NOT NULL DEFAULT now(),
    events bigint NOT NULL,
    sha256 text NOT NULL,
    location text NOT NULL,
    actor_user_id uuid,
    actor_type text NOT NULL,
    trace_id text,
    db_user text NOT NULL DEFAULT session_user,
    CONSTRAINT audit_archives_pkey PRIMARY KEY (month, archived_at),
    CONSTRAINT audit_archives_month_check CHECK (month = date_trunc('month', month)::date),
    CONSTRAINT audit_archives_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT audit_archives_events_check CHECK (events >= 0)
);
COMMENT ON TABLE erp_meta.audit_archives IS
    'Exports of audit months (erp.audit_archive_record): the digest they had; a month may be '
    'purged only while its digest still equals the latest export''s.';

CREATE TABLE erp_meta.audit_purges (
    month date NOT NULL,
    purged_at timestamptz NOT NULL DEFAULT now(),
    partition_name text NOT NULL,
    events bigint NOT NULL,
    sha256 text NOT NULL,
    CONSTRAINT audit_purges_pkey PRIMARY KEY (month)
);
COMMENT ON TABLE erp_meta.audit_purges IS
    'Months whose events were purged (erp.audit_purge): verify and seal verification start after them.';
