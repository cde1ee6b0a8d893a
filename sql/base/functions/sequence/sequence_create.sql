CREATE OR REPLACE FUNCTION erp.sequence_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_name text,
    p_prefix text DEFAULT '',
    p_suffix text DEFAULT '',
    p_padding bigint DEFAULT 5,
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
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    -- padding is bigint so that an out-of-range value reaches this check (ZE003, not 42883)
    IF p_padding IS NULL OR p_padding NOT BETWEEN 0 AND 30 THEN
        RAISE EXCEPTION 'padding must be between 0 and 30, not %', coalesce(p_padding::text, 'NULL')
            USING ERRCODE = 'ZE003';
    END IF;
    v_row.code := btrim(p_code, E' \t\r\n');
    v_row.name := btrim(p_name, E' \t\r\n');
    v_row.prefix := p_prefix;
    v_row.suffix := p_suffix;
    v_row.padding := p_padding::integer;
    v_row.step := p_step;
    v_row.start_value := p_start_value;
    v_row.reset := p_reset;
    PERFORM erp._sequence_validate(v_row);
    v_row := erp._sequence_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.sequence_create(uuid, uuid, text, text, text, text, text, text, bigint, bigint, bigint, text)
IS 'Creates a document-number sequence (code unique per tenant; audited).';
REVOKE ALL ON FUNCTION erp.sequence_create(uuid, uuid, text, text, text, text, text, text, bigint, bigint, bigint, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.sequence_create(uuid, uuid, text, text, text, text, text, text, bigint, bigint, bigint, text)
TO erp_app, erp_admin;
