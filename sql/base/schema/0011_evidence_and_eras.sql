-- Evidence the checks trust, and the order of events across restores.
--
-- Eras. Transaction ids are not comparable across clusters: a logical dump restored into a
-- cluster whose transaction counter is below the stored xact_ids would order new events before
-- restored ones. erp.audit_restored() (one command, right after the restore) records an era:
-- every event whose id (UUIDv7, time-ordered) is after the era's after_id belongs to it. Feed
-- positions and seal blocks order by (era, xact_id, id); era 0 is everything before the first
-- recorded restore, so positions and blocks written before this migration keep their meaning.
--
-- Protection. The purge ledger, the archive ledger and the eras are trusted by the checks:
-- like the trail they refuse UPDATE, DELETE and TRUNCATE for every role (triggers ENABLE
-- ALWAYS) and have row-level security forced. What they record is also an audit event of each
-- tenant (erp.base.audit.purged / archived / restored), so the seal chain covers it.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- the message names the table it protects (the trail, its ledgers, the seal blocks)
CREATE OR REPLACE FUNCTION erp._audit_reject_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE EXCEPTION 'audit records are immutable: % on %.% is not allowed', tg_op, tg_table_schema, tg_table_name
        USING ERRCODE = 'ZE007',
        HINT = 'Record a new event instead of changing or removing an old one.';
END
$fn$;
COMMENT ON FUNCTION erp._audit_reject_change() IS
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on the audit trail, its ledgers and seal blocks (ZE007).';

CREATE TABLE erp_meta.audit_eras (
    era integer NOT NULL,
    after_id uuid NOT NULL,
    xact_floor xid8 NOT NULL,
    xact_at_record xid8 NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    db_user text NOT NULL DEFAULT session_user,
    actor_user_id uuid,
    actor_type text NOT NULL,
    trace_id text,
    CONSTRAINT audit_eras_pkey PRIMARY KEY (era),
    CONSTRAINT audit_eras_era_check CHECK (era > 0),
    CONSTRAINT audit_eras_after_id_key UNIQUE (after_id)
);
COMMENT ON TABLE erp_meta.audit_eras IS
    'Restores recorded by erp.audit_restored: events with id > after_id belong to this era (or a later one); '
    'feed positions and seal blocks order by (era, xact_id, id). Never updated.';
COMMENT ON COLUMN erp_meta.audit_eras.xact_floor IS
    'the newest xact_id stored when the restore was recorded (from the source cluster)';
COMMENT ON COLUMN erp_meta.audit_eras.xact_at_record IS
    'the restored cluster''s transaction id when the restore was recorded';

ALTER TABLE erp.erp_audit_seals ADD COLUMN after_era integer NOT NULL DEFAULT 0;
ALTER TABLE erp.erp_audit_seals ADD COLUMN through_era integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN erp.erp_audit_seals.after_era IS
    'the era of the position after which the block starts (erp_meta.audit_eras; 0 before any restore)';
COMMENT ON COLUMN erp.erp_audit_seals.through_era IS
    'the era of the position the block ends at';
ALTER TABLE erp.erp_audit_seal_heads ADD COLUMN through_era integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN erp.erp_audit_seal_heads.through_era IS 'the era of the position sealed through';

DO $protect$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['audit_purges', 'audit_archives', 'audit_eras'] LOOP
        EXECUTE format('CREATE TRIGGER %1$s_no_update_delete BEFORE UPDATE OR DELETE ON erp_meta.%1$s '
            'FOR EACH ROW EXECUTE FUNCTION erp._audit_reject_change()', v_table);
        EXECUTE format('CREATE TRIGGER %1$s_no_truncate BEFORE TRUNCATE ON erp_meta.%1$s '
            'FOR EACH STATEMENT EXECUTE FUNCTION erp._audit_reject_change()', v_table);
        EXECUTE format('ALTER TABLE erp_meta.%1$s ENABLE ALWAYS TRIGGER %1$s_no_update_delete', v_table);
        EXECUTE format('ALTER TABLE erp_meta.%1$s ENABLE ALWAYS TRIGGER %1$s_no_truncate', v_table);
        EXECUTE format('ALTER TABLE erp_meta.%1$s ENABLE ROW LEVEL SECURITY', v_table);
        EXECUTE format('ALTER TABLE erp_meta.%1$s FORCE ROW LEVEL SECURITY', v_table);
        EXECUTE format('CREATE POLICY %1$s_owner ON erp_meta.%1$s TO erp_owner USING (true) WITH CHECK (true)',
            v_table);
    END LOOP;
END
$protect$;
