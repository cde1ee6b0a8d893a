-- Creates tenant p_tenant_id (the caller chooses the id) and records its created event.
-- The time zone is an IANA Area/Location name (or UTC): legacy aliases such as EST or
-- posixrules, and the posix/, right/, US/ and other alias trees, are refused.
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
    IF NOT erp._text_ok(btrim(p_name, E' \t\r\n'), 500, true) THEN
        PERFORM erp._text_check('tenant name', btrim(p_name, E' \t\r\n'), 500, true);
    END IF;
    IF p_timezone IS NULL OR NOT (
        p_timezone = 'UTC'
        OR (p_timezone ~ '^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Etc|Europe|Indian|Pacific)/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?$'
            AND EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names AS z WHERE z.name = p_timezone))
    ) THEN
        RAISE EXCEPTION 'unknown time zone %', erp._clip(p_timezone, 40)
            USING ERRCODE = 'ZE003', HINT = 'Use an IANA Area/Location name such as Europe/Berlin, or UTC.';
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
        'erp.base.tenant.created', 1,
        jsonb_build_object('id', v_row.id, 'name', v_row.name, 'timezone', v_row.timezone,
            'active', v_row.active, 'version', v_row.version,
            'created_at', erp._utc(v_row.created_at), 'updated_at', erp._utc(v_row.updated_at)),
        NULL);
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.tenant_create(uuid, uuid, text, text, text, text) IS
    'Creates tenant p_tenant_id with a name and an IANA time zone (audited).';
REVOKE ALL ON FUNCTION erp.tenant_create(uuid, uuid, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.tenant_create(uuid, uuid, text, text, text, text) TO erp_admin;
