-- Raises the precise error for an invalid service context: actor first (ZE008), then tenant
-- (ZE006); both are the caller's fault and are checked before any work. Write functions call
-- it only when erp._context_ok said no.
CREATE OR REPLACE FUNCTION erp._context_check(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text
) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
BEGIN
    PERFORM erp._actor_check(p_actor_user_id, p_actor_type, p_trace_id);
    IF NOT EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id AND t.active) THEN
        RAISE EXCEPTION 'unknown or inactive tenant %', coalesce(p_tenant_id::text, 'NULL')
            USING ERRCODE = 'ZE006', HINT = 'Create the tenant with erp.tenant_create first.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._context_check(uuid, uuid, text, text) IS
    'Raises ZE008 (actor) or ZE006 (tenant) for an invalid write context; returns when it is valid.';
