-- Gapless document-number sequences: a definition per (tenant, code) and one counter row per
-- (tenant, sequence, period), created on demand by the allocating statement.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

CREATE TABLE erp.erp_sequences (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    code_key text GENERATED ALWAYS AS (erp._code_key(code)) STORED,
    name text NOT NULL,
    prefix text NOT NULL DEFAULT '',
    suffix text NOT NULL DEFAULT '',
    padding integer NOT NULL DEFAULT 5,
    step bigint NOT NULL DEFAULT 1,
    start_value bigint NOT NULL DEFAULT 1,
    reset text NOT NULL DEFAULT 'never',
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT erp_sequences_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT erp_sequences_code_key UNIQUE (tenant_id, code_key),
    CONSTRAINT erp_sequences_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT erp_sequences_code_check CHECK (code_key <> ''),
    CONSTRAINT erp_sequences_name_check CHECK (btrim(name) <> ''),
    CONSTRAINT erp_sequences_padding_check CHECK (padding BETWEEN 0 AND 30),
    CONSTRAINT erp_sequences_step_check CHECK (step > 0),
    CONSTRAINT erp_sequences_start_check CHECK (start_value >= 0),
    CONSTRAINT erp_sequences_reset_check CHECK (reset IN ('never', 'yearly', 'monthly'))
);
COMMENT ON TABLE erp.erp_sequences IS
    'Document-number sequence definitions (entity erp.base.sequence).';
COMMENT ON COLUMN erp.erp_sequences.prefix IS 'may contain {YYYY} {YY} {MM} {DD} (document date)';
COMMENT ON COLUMN erp.erp_sequences.reset IS
    'never | yearly | monthly: the period of a number comes from the document date';
COMMENT ON CONSTRAINT erp_sequences_code_key ON erp.erp_sequences IS 'code';
COMMENT ON CONSTRAINT erp_sequences_code_check ON erp.erp_sequences IS 'code';
COMMENT ON CONSTRAINT erp_sequences_name_check ON erp.erp_sequences IS 'name';
COMMENT ON CONSTRAINT erp_sequences_padding_check ON erp.erp_sequences IS 'padding';
COMMENT ON CONSTRAINT erp_sequences_step_check ON erp.erp_sequences IS 'step';
COMMENT ON CONSTRAINT erp_sequences_start_check ON erp.erp_sequences IS 'start_value';
COMMENT ON CONSTRAINT erp_sequences_reset_check ON erp.erp_sequences IS 'reset';
COMMENT ON CONSTRAINT erp_sequences_tenant_fkey ON erp.erp_sequences IS 'tenant';

CREATE TABLE erp.erp_sequence_counters (
    tenant_id uuid NOT NULL,
    sequence_id uuid NOT NULL,
    period_key text NOT NULL,
    start_value bigint NOT NULL,
    step bigint NOT NULL,
    next_value bigint NOT NULL,
    CONSTRAINT erp_sequence_counters_pkey PRIMARY KEY (tenant_id, sequence_id, period_key),
    CONSTRAINT erp_sequence_counters_sequence_fkey FOREIGN KEY (tenant_id, sequence_id)
    REFERENCES erp.erp_sequences (tenant_id, id)
);
COMMENT ON TABLE erp.erp_sequence_counters IS
    'Next number per (tenant, sequence, period). The row stays locked from allocation to '
    'commit: that is what makes numbering gapless.';
COMMENT ON COLUMN erp.erp_sequence_counters.step IS
    'the step in force when the period began; every number of the period uses it';
COMMENT ON COLUMN erp.erp_sequence_counters.period_key IS
    '''all'' (reset never), ''YYYY'' (yearly) or ''YYYY-MM'' (monthly) of the document date';

ALTER TABLE erp.erp_sequences ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_sequences FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_sequences_owner ON erp.erp_sequences TO erp_owner USING (true) WITH CHECK (true);
ALTER TABLE erp.erp_sequence_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_sequence_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_sequence_counters_owner ON erp.erp_sequence_counters TO erp_owner
USING (true) WITH CHECK (true);

INSERT INTO erp_meta.entity_types (entity_type, table_name, writer_prefix, readonly_columns)
VALUES ('erp.base.sequence', 'erp_sequences', 'sequence', '{}');
