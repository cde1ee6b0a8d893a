-- Creates tenant p_tenant_id (the caller chooses the id) and records its created event.
CREATE OR REPLACE FUNCTION erp.tenant_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_name text,
    p_timezone text DEFAULT 'UTC'
) RETURNS erp.erp_tenants
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_tenants;
BEGIN
    PERFORM erp._actor_check(p_actor_user_id, p_actor_type, p_trace_id);
    IF p_tenant_id IS NULL THEN
        RAISE EXCEPTION 'p_tenant_id is required' USING ERRCODE = 'ZE003';
    END IF;
    -- blank = only spaces, tabs and line breaks (the characters erp._code_key trims)
    IF p_name IS NULL OR btrim(p_name, E' \t\r\n') = '' THEN
        RAISE EXCEPTION 'tenant name is empty' USING ERRCODE = 'ZE003',
            HINT = 'Pass the tenant''s display name.';
    END IF;
    IF p_timezone IS NULL
        OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names AS z WHERE z.name = p_timezone) THEN
        RAISE EXCEPTION 'unknown time zone %', coalesce(quote_literal(p_timezone), 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'Use an IANA name from pg_timezone_names, e.g. Europe/Berlin.';
    END IF;
    INSERT INTO erp.erp_tenants AS t (id, name, timezone)
    VALUES (p_tenant_id, btrim(p_name, E' \t\r\n'), p_timezone)
    ON CONFLICT ON CONSTRAINT erp_tenants_pkey DO NOTHING
    RETURNING t.* INTO v_row;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'tenant % already exists', p_tenant_id USING ERRCODE = 'ZE002';
    END IF;
    PERFORM erp._audit_append(
        v_row.id, p_actor_user_id, p_actor_type, p_trace_id, 'erp.base.tenant', v_row.id,
        'erp.base.tenant.created', 1, to_jsonb(v_row), NULL);
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.tenant_create(uuid, uuid, text, text, text, text) IS
    'Creates tenant p_tenant_id with a name and an IANA time zone (audited).';
REVOKE ALL ON FUNCTION erp.tenant_create(uuid, uuid, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.tenant_create(uuid, uuid, text, text, text, text) TO erp_admin;
