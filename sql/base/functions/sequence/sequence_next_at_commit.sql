-- Asks for a gapless number for one document row, allocated when the transaction commits: the
-- request is queued here; at commit a deferred constraint trigger (erp._number_requests_serve)
-- allocates it with its usual allocation event and writes it into the row's "number" column
-- through the entity's audited writer (event <entity_type>.numbered). So the counter row is
-- locked for the commit alone, not for the document's whole transaction; a rollback allocates
-- nothing. The document date, hence the period, is fixed now (default: today in the tenant's
-- zone). Refused now, where it can be known: an unknown sequence (ZE001) or archived one
-- (ZE009), an entity type without a number column (ZE003), a missing document row (ZE001), a
-- row already numbered or already requested (ZE009). A number set on the row later in the
-- transaction fails the commit (ZE009), and the whole transaction with it.
CREATE OR REPLACE FUNCTION erp.sequence_next_at_commit(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_entity_type text,
    p_entity_id uuid,
    p_document_date date DEFAULT NULL
) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_seq erp.erp_sequences;
    v_found record;
    v_date date;
    v_doc record;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_found := erp._sequence_find(p_tenant_id, p_code, p_document_date);
    v_seq := v_found.seq;
    v_date := v_found.document_date;
    SELECT * INTO v_doc FROM erp._document_state(p_entity_type, p_tenant_id, p_entity_id);
    IF NOT v_doc.is_found THEN
        RAISE EXCEPTION '% % not found in this tenant', p_entity_type, coalesce(p_entity_id::text, 'NULL')
            USING ERRCODE = 'ZE001', HINT = 'Insert the document row first, then ask for its number.';
    END IF;
    IF v_doc.current_number IS NOT NULL THEN
        RAISE EXCEPTION '% % is already numbered %', p_entity_type, p_entity_id, erp._clip(v_doc.current_number)
            USING ERRCODE = 'ZE009', HINT = 'A document is numbered once: explicitly or at commit, not both.';
    END IF;
    INSERT INTO erp.erp_number_requests AS r (tenant_id, entity_type, entity_id, sequence_id, period_key,
        document_date, actor_user_id, actor_type, trace_id)
    VALUES (p_tenant_id, p_entity_type, p_entity_id, v_seq.id, erp._sequence_period(v_seq.reset, v_date),
        v_date, p_actor_user_id, p_actor_type, p_trace_id)
    ON CONFLICT ON CONSTRAINT erp_number_requests_pkey DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% % already has a number requested in this transaction', p_entity_type, p_entity_id
            USING ERRCODE = 'ZE009';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp.sequence_next_at_commit(uuid, uuid, text, text, text, text, uuid, date) IS
    'Requests a gapless number for a document row, allocated and written (audited) when the transaction commits.';
REVOKE ALL ON FUNCTION erp.sequence_next_at_commit(uuid, uuid, text, text, text, text, uuid, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_next_at_commit(uuid, uuid, text, text, text, text, uuid, date)
TO erp_app, erp_admin;
