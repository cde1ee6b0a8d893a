-- Numbers at commit: erp.sequence_next_at_commit queues a request here; a deferred constraint
-- trigger serves the transaction's requests when it commits, so a counter row is locked for
-- the commit alone, not for the document's whole transaction. A request lives only inside its
-- transaction (served and deleted at commit, gone with a rollback), hence UNLOGGED: no WAL.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

CREATE UNLOGGED TABLE erp.erp_number_requests (
    tenant_id uuid NOT NULL,
    entity_type text NOT NULL,
    entity_id uuid NOT NULL,
    request_no bigint GENERATED ALWAYS AS IDENTITY,
    xact_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    sequence_id uuid NOT NULL,
    period_key text NOT NULL,
    document_date date NOT NULL,
    actor_user_id uuid,
    actor_type text NOT NULL,
    trace_id text,
    CONSTRAINT erp_number_requests_pkey PRIMARY KEY (tenant_id, entity_type, entity_id)
);
COMMENT ON TABLE erp.erp_number_requests IS
    'Pending numbers at commit of open transactions (erp.sequence_next_at_commit); empty between transactions.';
-- the requests of the committing transaction, in request order
CREATE INDEX erp_number_requests_xact_idx ON erp.erp_number_requests (xact_id, request_no);

-- The trigger function runs as whoever commits: like the public functions it runs as the
-- owner with a pinned search_path. The work is in erp._number_requests_serve (sql/functions).
CREATE FUNCTION erp._number_requests_at_commit() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM erp._number_requests_serve();
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION erp._number_requests_at_commit() IS
    'Deferred trigger: serves the committing transaction''s number requests (erp._number_requests_serve).';
REVOKE ALL ON FUNCTION erp._number_requests_at_commit() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER erp_number_requests_at_commit
AFTER INSERT ON erp.erp_number_requests
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION erp._number_requests_at_commit();

ALTER TABLE erp.erp_number_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_number_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_number_requests_owner ON erp.erp_number_requests TO erp_owner USING (true) WITH CHECK (true);
