CREATE OR REPLACE FUNCTION erp.sequence_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_name text,
    p_prefix text DEFAULT '',
    p_suffix text DEFAULT '',
    p_padding integer DEFAULT 5,
    p_step bigint DEFAULT 1,
    p_start_value bigint DEFAULT 1,
    p_reset text DEFAULT 'never'
) RETURNS erp.erp_sequences
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_sequences;
BEGIN
    PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    v_row.code := btrim(p_code);
    v_row.name := btrim(p_name);
    v_row.prefix := p_prefix;
    v_row.suffix := p_suffix;
    v_row.padding := p_padding;
    v_row.step := p_step;
    v_row.start_value := p_start_value;
    v_row.reset := p_reset;
    PERFORM erp._sequence_validate(v_row);
    SELECT w.* INTO v_row
    FROM erp._sequence_insert(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, ARRAY[v_row]) AS w;
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.sequence_create(uuid, uuid, text, text, text, text, text, text, integer, bigint, bigint, text)
IS 'Creates a document-number sequence (code unique per tenant; audited).';
REVOKE ALL ON FUNCTION erp.sequence_create(uuid, uuid, text, text, text, text, text, text, integer, bigint, bigint, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_create(uuid, uuid, text, text, text, text, text, text, integer, bigint, bigint, text)
TO erp_app, erp_admin;
