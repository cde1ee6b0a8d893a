-- Changes the retention period (erp_meta.audit_settings.retention_months, 1..1200 months) and
-- records it: each tenant gets an erp.base.audit.retention_changed event (previous and new
-- value), sealed like any other. Installation-wide. Retention is changed by the owner only
-- (a migration, or the DBA after SET ROLE erp_owner), never by erp_admin: no role is granted
-- EXECUTE. Returns the previous value; the same value again changes and records nothing.
-- A value outside 1..1200 is ZE003.
CREATE OR REPLACE FUNCTION erp.audit_retention_set(
    p_actor_user_id uuid, p_actor_type text, p_trace_id text, p_months bigint
) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old integer;
BEGIN
    PERFORM erp._actor_check(p_actor_user_id, p_actor_type, p_trace_id);
    IF p_months IS NULL OR p_months NOT BETWEEN 1 AND 1200 THEN
        RAISE EXCEPTION 'p_months must be between 1 and 1200, not %', coalesce(p_months::text, 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'The retention period in months (GoBD/HGB: 120).';
    END IF;
    SELECT s.retention_months INTO v_old FROM erp_meta.audit_settings AS s FOR UPDATE;
    IF v_old = p_months THEN
        RETURN v_old;
    END IF;
    UPDATE erp_meta.audit_settings SET retention_months = p_months::integer;
    PERFORM erp._audit_append(t.id, p_actor_user_id, p_actor_type, p_trace_id, 'erp.base.audit', t.id,
        'erp.base.audit.retention_changed', NULL,
        jsonb_build_object('retention_months', p_months, 'previous', v_old), NULL)
    FROM erp.erp_tenants AS t;
    RETURN v_old;
END
$fn$;
COMMENT ON FUNCTION erp.audit_retention_set(uuid, text, text, bigint) IS
    'Changes the audit retention period (months) and records an event per tenant; the owner only.';
REVOKE ALL ON FUNCTION erp.audit_retention_set(uuid, text, text, bigint) FROM PUBLIC;
