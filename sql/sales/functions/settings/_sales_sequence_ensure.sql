-- Creates the order-number sequence p_code (prefix <code>/{YYYY}/, yearly reset) when the
-- tenant has none of that code; an existing one is used as it is.
CREATE OR REPLACE FUNCTION erp._sales_sequence_ensure(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text, p_code text
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM erp.erp_sequences AS s
        WHERE s.tenant_id = p_tenant_id AND s.code_key = erp._code_key(p_code)
    ) THEN
        PERFORM erp.sequence_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, p_code,
            'Sales orders', p_code || '/{YYYY}/', '', 5, 1, 1, 'yearly');
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sales_sequence_ensure(uuid, uuid, text, text, text) IS
    'Creates the sales order sequence p_code (prefix <code>/{YYYY}/, yearly reset) when missing.';
