-- The fast test of a write's service context: a valid actor (USER with a user id, or SYSTEM),
-- a trace id of at most 200 characters, an active tenant; never NULL; when it is false,
-- erp._context_check raises the precise error. PL/pgSQL, not SQL: the EXISTS keeps an SQL
-- function from being inlined, and a function that is not inlined is planned again in every
-- transaction (~50 µs); PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE FUNCTION erp._context_ok(
    p_tenant_id uuid, p_actor_user_id uuid, p_actor_type text, p_trace_id text
) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $fn$
BEGIN
    RETURN coalesce(p_actor_type = 'SYSTEM' OR (p_actor_type = 'USER' AND p_actor_user_id IS NOT NULL), false)
        AND coalesce(pg_catalog.char_length(p_trace_id) <= 200, true)
        AND EXISTS (SELECT 1 FROM erp.erp_tenants AS t WHERE t.id = p_tenant_id AND t.active);
END
$fn$;
COMMENT ON FUNCTION erp._context_ok(uuid, uuid, text, text) IS
    'true when actor, trace id and tenant of a write are valid (erp._context_check explains why not).';
