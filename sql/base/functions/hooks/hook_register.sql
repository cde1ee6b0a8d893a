-- Called from a module's migration (the installer names the module in the setting erp.module):
-- registers p_function (p_tenant_id uuid, p_record jsonb) RETURNS void for hook p_hook at
-- p_position; registering the same function again moves it. erp._hooks_run calls the hook's
-- functions in position order.
CREATE OR REPLACE FUNCTION erp_meta.hook_register(p_hook text, p_function regprocedure, p_position integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_module text := nullif(current_setting('erp.module', true), '');
    v_taken text;
BEGIN
    IF v_module IS NULL THEN
        RAISE EXCEPTION 'erp_meta.hook_register is called from a module''s migration'
            USING ERRCODE = 'ZE009',
            HINT = 'Put the call in a migration under sql/<module>/schema; the installer names the module.';
    END IF;
    IF p_hook IS NULL OR p_hook !~ '^erp\.[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' OR length(p_hook) > 200 THEN
        RAISE EXCEPTION 'hook name % is invalid', left(coalesce(p_hook, 'NULL'), 60)
            USING ERRCODE = 'ZE003', HINT = 'A hook is named erp.<module>.<entity>.<verb>, e.g. erp.sales.order.confirm.';
    END IF;
    IF p_function IS NULL OR p_position IS NULL THEN
        RAISE EXCEPTION 'hook %: the function and the position are required', p_hook USING ERRCODE = 'ZE003';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_proc AS p
        WHERE p.oid = p_function AND p.proargtypes = '2950 3802'::oidvector AND p.prorettype = 'void'::regtype
            AND p.prokind = 'f'
    ) THEN
        RAISE EXCEPTION 'hook %: function % does not take (uuid, jsonb) and return void', p_hook, p_function
            USING ERRCODE = 'ZE003', HINT = 'A hook function is f(p_tenant_id uuid, p_record jsonb) RETURNS void.';
    END IF;
    SELECT format('%s (module %s)', h.function, h.module) INTO v_taken
    FROM erp_meta.hooks AS h
    WHERE h.hook = p_hook AND h.position = p_position AND h.function <> p_function::text;
    IF v_taken IS NOT NULL THEN
        RAISE EXCEPTION 'hook % position % is taken by %', p_hook, p_position, v_taken
            USING ERRCODE = 'ZE002', HINT = 'Choose a free position; hooks run in position order.';
    END IF;
    INSERT INTO erp_meta.hooks AS h (hook, module, function, position)
    VALUES (p_hook, v_module, p_function::text, p_position)
    ON CONFLICT ON CONSTRAINT hooks_pkey DO UPDATE SET position = excluded.position, module = excluded.module;
END
$fn$;
COMMENT ON FUNCTION erp_meta.hook_register(text, regprocedure, integer) IS
    'From a module''s migration: registers a function (uuid, jsonb) RETURNS void for a hook at a position.';
