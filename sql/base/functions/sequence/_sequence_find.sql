-- The active sequence p_code of a tenant and the document date it numbers for (p_document_date,
-- or today in the tenant's time zone); erp._sequence_missing raises why there is none.
-- erp.sequence_next does the same inline (its hot path saves the call).
CREATE OR REPLACE FUNCTION erp._sequence_find(
    p_tenant_id uuid, p_code text, p_document_date date, OUT seq erp.erp_sequences, OUT document_date date
)
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_found record;
BEGIN
    -- a composite OUT beside another OUT is what the three callers want in one call
    -- @plpgsql_check_options: extra_warnings = false
    SELECT l.seq, erp._sequence_date(p_document_date, l.timezone) AS document_date INTO v_found
    FROM erp._sequence_lookup(p_tenant_id, p_code) AS l;
    IF NOT FOUND THEN
        PERFORM erp._sequence_missing(p_tenant_id, p_code);
    END IF;
    seq := v_found.seq;
    document_date := v_found.document_date;
END
$fn$;
COMMENT ON FUNCTION erp._sequence_find(uuid, text, date) IS
    'Active sequence by code and its document date (ZE006/ZE003/ZE001/ZE009 when there is none).';
