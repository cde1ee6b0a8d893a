-- The module author's document entity 'test.documents' (table erp.erp_documents), created as a
-- module's migration would create it: tenant-first keys, the standard columns, row-level
-- security, the registry row and the generated writers. Shared by 60_numbers_at_commit.sql
-- (\ir) and tests/base/test_numbers_at_commit.py; it leaves the role erp_owner set
-- for the rest of the transaction.
SET LOCAL ROLE erp_owner;
CREATE TABLE erp.erp_documents (
    tenant_id uuid NOT NULL REFERENCES erp.erp_tenants (id),
    id uuid NOT NULL,
    number text,
    partner text NOT NULL,
    total numeric NOT NULL DEFAULT 0,
    doc_date date NOT NULL DEFAULT current_date,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number)
);
ALTER TABLE erp.erp_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_documents_owner ON erp.erp_documents TO erp_owner USING (true) WITH CHECK (true);
INSERT INTO erp_meta.entity_types (entity_type, table_name, writer_prefix, readonly_columns, verbs)
VALUES ('test.documents', 'erp_documents', 'documents', '{number}', '{posted}');
SELECT erp_meta.regenerate_writers();
