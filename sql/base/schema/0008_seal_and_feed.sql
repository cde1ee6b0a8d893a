-- Tamper evidence and the commit-ordered feed.
--   erp.erp_audit_seals      per-tenant SHA-256 chain of blocks over the canonical form of
--                            every event; immutable like the events (erp.audit_seal writes it)
--   erp.erp_audit_seal_heads the last block of each tenant's chain and the position sealed
--                            through: a cursor (it moves), checked against the blocks by
--                            erp.audit_seal_verify; its row lock keeps two seals of one tenant
--                            apart without an advisory lock
-- A block holds the events of one tenant and one UTC month whose positions (xact_id, id) lie
-- in (after, through]: one seal run may write one block per month it met. Its hash covers the
-- previous block's hash, its header and the SHA-256 of every event's canonical line, which it
-- also keeps (with the event ids) so that verification can name a changed event.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

CREATE TABLE erp.erp_audit_seals (
    tenant_id uuid NOT NULL,
    block_no bigint NOT NULL,
    month date NOT NULL,
    after_xact xid8 NOT NULL,
    after_id uuid NOT NULL,
    through_xact xid8 NOT NULL,
    through_id uuid NOT NULL,
    events bigint NOT NULL,
    event_ids uuid[] NOT NULL,
    event_hashes bytea NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    sealed_at timestamptz NOT NULL DEFAULT now(),
    db_user text NOT NULL DEFAULT session_user,
    CONSTRAINT erp_audit_seals_pkey PRIMARY KEY (tenant_id, block_no),
    CONSTRAINT erp_audit_seals_block_check CHECK (block_no > 0),
    CONSTRAINT erp_audit_seals_events_check CHECK (
        events = cardinality(event_ids) AND octet_length(event_hashes) = 32 * events
    ),
    CONSTRAINT erp_audit_seals_hash_check CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE erp.erp_audit_seals IS
    'Seal blocks: a per-tenant SHA-256 chain over the canonical form of every sealed event '
    '(erp.audit_seal, erp.audit_seal_verify, erp.audit_seal_head); never updated.';
COMMENT ON COLUMN erp.erp_audit_seals.after_xact IS
    'the block holds the tenant''s events of month whose (xact_id, id) lie after (after_xact, after_id) '
    'and up to (through_xact, through_id)';
COMMENT ON COLUMN erp.erp_audit_seals.event_hashes IS
    'SHA-256 of each event''s canonical line (erp.audit_canonical), 32 bytes each, in event_ids order';
COMMENT ON COLUMN erp.erp_audit_seals.hash IS
    'sha256(prev_hash || header || event_hashes), hex; the first block''s prev_hash is 64 zeros';

CREATE TRIGGER erp_audit_seals_no_update_delete
BEFORE UPDATE OR DELETE ON erp.erp_audit_seals
FOR EACH ROW EXECUTE FUNCTION erp._audit_reject_change();
CREATE TRIGGER erp_audit_seals_no_truncate
BEFORE TRUNCATE ON erp.erp_audit_seals
FOR EACH STATEMENT EXECUTE FUNCTION erp._audit_reject_change();
ALTER TABLE erp.erp_audit_seals ENABLE ALWAYS TRIGGER erp_audit_seals_no_update_delete;
ALTER TABLE erp.erp_audit_seals ENABLE ALWAYS TRIGGER erp_audit_seals_no_truncate;

CREATE TABLE erp.erp_audit_seal_heads (
    tenant_id uuid NOT NULL,
    block_no bigint NOT NULL DEFAULT 0,
    through_xact xid8 NOT NULL DEFAULT '0',
    through_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    hash text NOT NULL DEFAULT repeat('0', 64),
    events bigint NOT NULL DEFAULT 0,
    CONSTRAINT erp_audit_seal_heads_pkey PRIMARY KEY (tenant_id)
);
COMMENT ON TABLE erp.erp_audit_seal_heads IS
    'Where each tenant''s seal chain ends: last block, its hash, the position sealed through and the '
    'number of events sealed (a cursor kept by erp.audit_seal; erp.audit_seal_verify checks it).';

ALTER TABLE erp.erp_audit_seals ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_audit_seals FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_audit_seals_owner ON erp.erp_audit_seals TO erp_owner USING (true) WITH CHECK (true);
ALTER TABLE erp.erp_audit_seal_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_audit_seal_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_audit_seal_heads_owner ON erp.erp_audit_seal_heads TO erp_owner USING (true) WITH CHECK (true);
