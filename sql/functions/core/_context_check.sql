-- Validates the service context of a write and returns the tenant row.
-- Actor first (ZE008), then tenant (ZE006): both are the caller's fault, checked before any work.
CREATE OR REPLACE FUNCTION erp._context_check(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text
) RETURNS erp.erp_tenants
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_tenant erp.erp_tenants;
BEGIN
    PERFORM erp._actor_check(p_actor_user_id, p_actor_type, p_trace_id);
    SELECT t.* INTO v_tenant FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id;
    IF NOT FOUND OR NOT v_tenant.active THEN
        RAISE EXCEPTION 'unknown or inactive tenant %', coalesce(p_tenant_id::text, 'NULL')
            USING ERRCODE = 'ZE006', HINT = 'Create the tenant with erp.tenant_create first.';
    END IF;
    RETURN v_tenant;
END
$fn$;
COMMENT ON FUNCTION erp._context_check(uuid, uuid, text, text) IS
    'Validates actor (ZE008) and tenant (ZE006) of a write; returns the tenant row.';
