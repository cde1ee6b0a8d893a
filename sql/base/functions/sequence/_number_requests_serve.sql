-- Serves the committing transaction's number requests (called by the deferred trigger
-- erp._number_requests_at_commit, once per request; the first call serves them all). Sorted by
-- sequence and period, and in request order within a series, so two committing transactions
-- lock counter rows in the same order and never deadlock. For each: the sequence as it is now
-- (archived since the request: ZE009), the allocation with its event, the number written into
-- the document through its audited writer (ZE001 if the row is gone, ZE009 if it got a number
-- meanwhile: the transaction fails and nothing is allocated), the request deleted.
CREATE OR REPLACE FUNCTION erp._number_requests_serve() RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_request erp.erp_number_requests;
    v_seq erp.erp_sequences;
    v_number record;
BEGIN
    FOR v_request IN
        SELECT r.* FROM erp.erp_number_requests AS r
        WHERE r.xact_id = pg_current_xact_id()
        ORDER BY r.sequence_id, r.period_key, r.request_no
    LOOP
        SELECT s.* INTO v_seq FROM erp.erp_sequences AS s
        WHERE s.tenant_id = v_request.tenant_id AND s.id = v_request.sequence_id;
        IF NOT v_seq.active THEN
            RAISE EXCEPTION 'sequence % was archived before the transaction committed', v_seq.code
                USING ERRCODE = 'ZE009';
        END IF;
        -- everything that needs no number runs before the counter row is locked: from the
        -- allocation to the end of COMMIT the next poster of this series waits
        DELETE FROM erp.erp_number_requests AS r
        WHERE r.tenant_id = v_request.tenant_id AND r.entity_type = v_request.entity_type
            AND r.entity_id = v_request.entity_id;
        v_number := erp._sequence_allocate(v_request.tenant_id, v_request.actor_user_id,
            v_request.actor_type, v_request.trace_id, v_seq, v_request.document_date,
            jsonb_build_object('document_type', v_request.entity_type, 'document_id', v_request.entity_id));
        PERFORM erp._document_number(v_request.entity_type, v_request.tenant_id, v_request.actor_user_id,
            v_request.actor_type, v_request.trace_id, v_request.entity_id, v_number.formatted);
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION erp._number_requests_serve() IS
    'At commit: allocates and writes the numbers the transaction requested, in (sequence, period, request) order.';
