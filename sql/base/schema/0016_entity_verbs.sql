-- An entity type declares the verbs of its events beyond the standard ones (created, updated,
-- archived, restored; numbered for document tables): a sales order is also confirmed and
-- cancelled, a picking done. The generated writer erp._<prefix>_write and the generic
-- erp.atomic_update_with_audit accept exactly these (anything else is ZE003), so an event type
-- in the trail is always one its entity declares.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- the registry holds a handful of rows, written only by migrations and module installs
ALTER TABLE erp_meta.entity_types
    ADD COLUMN verbs text[] NOT NULL DEFAULT '{}',
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_verbs_check CHECK (
        array_to_string(verbs, ',') ~ '^([a-z][a-z_]*(,|$))*$'
        AND NOT verbs && ARRAY['created', 'updated', 'archived', 'restored', 'numbered']
        AND cardinality(verbs) <= 20
    );
COMMENT ON COLUMN erp_meta.entity_types.verbs IS
    'the event verbs of the entity beyond created, updated, archived, restored (and numbered for '
    'tables with a number column): <entity_type>.<verb> events its writers accept';
