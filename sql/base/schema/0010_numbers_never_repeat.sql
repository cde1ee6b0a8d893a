-- A printed number never repeats, by construction:
--   * erp.erp_sequence_numbers, the ledger of every formatted number a sequence issued, unique
--     per (tenant, sequence, formatted). The allocating statement writes it (INSERT ... ON
--     CONFLICT DO NOTHING) and fails with ZE009 when the number is already there, whatever
--     changed the format meanwhile (a prefix change racing a first allocation, {YY} in two
--     centuries, a prefix changed after issue under 0.1.0). Filled here from the allocation
--     events; numbers an older release issued twice go in once (audit_verify reports them as
--     repeated_number).
--   * the counter row's foreign key to its sequence goes: its check took a KEY SHARE lock on
--     the sequence row after the counter row was locked (the second lock of a first allocation,
--     which a definition change holding the sequence row turned into a deadlock). Counter rows
--     are written only by the allocation, from a sequence row it has just read, and sequences
--     are never deleted.
--   * the at-commit numbering trigger fires under session_replication_role = replica too: a
--     document must never commit without the number it asked for.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60min';
SET LOCAL ROLE erp_owner;

CREATE TABLE erp.erp_sequence_numbers (
    tenant_id uuid NOT NULL,
    sequence_id uuid NOT NULL,
    formatted text NOT NULL,
    CONSTRAINT erp_sequence_numbers_pkey PRIMARY KEY (tenant_id, sequence_id, formatted)
);
COMMENT ON TABLE erp.erp_sequence_numbers IS
    'Every formatted number a sequence issued, once: the allocation refuses (ZE009) a number '
    'that is already here, so no printed number repeats whatever its format became.';

ALTER TABLE erp.erp_sequence_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_sequence_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_sequence_numbers_owner ON erp.erp_sequence_numbers TO erp_owner
USING (true) WITH CHECK (true);

INSERT INTO erp.erp_sequence_numbers (tenant_id, sequence_id, formatted)
SELECT DISTINCT e.tenant_id, e.entity_id AS sequence_id, e.payload ->> 'formatted' AS formatted
FROM erp.erp_audit_events AS e
WHERE e.entity_type = 'erp.base.sequence' AND e.event_type = 'erp.base.sequence.allocated'
    AND e.payload ->> 'formatted' IS NOT NULL
ON CONFLICT ON CONSTRAINT erp_sequence_numbers_pkey DO NOTHING;

-- the lock order of allocations (see the header)
-- squawk-ignore ban-drop-constraint
ALTER TABLE erp.erp_sequence_counters DROP CONSTRAINT erp_sequence_counters_sequence_fkey;

ALTER TABLE erp.erp_number_requests ENABLE ALWAYS TRIGGER erp_number_requests_at_commit;
