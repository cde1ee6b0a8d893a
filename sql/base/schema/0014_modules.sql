-- Modules as a unit: a module (sql/<module>/, its manifest module.json) has its own migrations,
-- functions and tests; installing or upgrading one leaves the others' functions, grants and
-- data alone.
--   * erp_meta.schema_migrations records each migration's module (existing rows: base); its key
--     becomes (module, filename);
--   * erp_meta.modules: the installed modules, their versions and what they require;
--   * erp_meta.function_manifest records each project function's module, and the function phase
--     works on one module at a time (function_phase_begin(p_module) / function_phase_end(...));
--   * erp_meta.hooks: the extension points a module registers (erp_meta.hook_register), run in
--     order by erp._hooks_run inside the operation's transaction.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- ---- the ledger: one row per (module, migration) ------------------------------------------
-- the default keeps base's ledger inserts the same before and after this migration
-- (installers name the module for every other module)
-- the ledger is a few dozen rows, written only by installers that hold the migration lock
ALTER TABLE erp_meta.schema_migrations ADD COLUMN module text NOT NULL DEFAULT 'base';
-- (the key's index is built under the migration's lock in milliseconds)
-- squawk-ignore ban-drop-constraint
ALTER TABLE erp_meta.schema_migrations DROP CONSTRAINT schema_migrations_pkey;
-- squawk-ignore constraint-missing-not-valid, adding-serial-primary-key-field
ALTER TABLE erp_meta.schema_migrations ADD CONSTRAINT schema_migrations_pkey
PRIMARY KEY (module, filename);
COMMENT ON TABLE erp_meta.schema_migrations IS
    'Ledger of applied migrations: sql/<module>/schema/<filename>, the SHA-256 of the file, when.';
COMMENT ON COLUMN erp_meta.schema_migrations.module IS
    'The module whose sql/<module>/schema folder holds the file (rows before 0.3.0: base).';

-- ---- the registry of installed modules ------------------------------------------------------
CREATE TABLE erp_meta.modules (
    name text NOT NULL,
    version text NOT NULL,
    requires jsonb NOT NULL DEFAULT '{}',
    description text NOT NULL DEFAULT '',
    installed_at timestamptz NOT NULL DEFAULT now(),
    upgraded_at timestamptz,
    CONSTRAINT modules_pkey PRIMARY KEY (name),
    CONSTRAINT modules_name_check CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT modules_version_check CHECK (version ~ '^[0-9]+(\.[0-9]+)*$'),
    CONSTRAINT modules_requires_check CHECK (pg_catalog.jsonb_typeof(requires) = 'object')
);
COMMENT ON TABLE erp_meta.modules IS
    'The installed modules (sql/<module>/module.json): version, the modules they require with '
    'their minimum versions, description; written by every install or upgrade of the module.';
COMMENT ON COLUMN erp_meta.modules.requires IS
    '{"module": "minimum version"}: an install or upgrade is refused (ZE009) while one is '
    'missing or older.';
COMMENT ON COLUMN erp_meta.modules.upgraded_at IS
    'When the installed version last changed (NULL: never since its first install).';
REVOKE ALL ON erp_meta.modules FROM PUBLIC;
-- an installed base (its function phase has run: the digest is set) is recorded as installed,
-- at its version; on a first install the function phase records it when it ends
INSERT INTO erp_meta.modules (name, version, description, installed_at)
SELECT
    'base' AS name, i.version,
    'Tenants, units of measure, partners, products, gapless document numbers and the sealed '
    'audit trail' AS description,
    i.installed_at
FROM erp_meta.installation AS i
WHERE i.functions_sha256 <> '';

-- ---- the function lifecycle, per module -----------------------------------------------------
ALTER TABLE erp_meta.function_manifest ADD COLUMN module text NOT NULL DEFAULT 'base';
COMMENT ON COLUMN erp_meta.function_manifest.module IS
    'The module whose sql/<module>/functions defines it: only that module''s install drops it '
    'or revokes its grants.';

-- squawk-ignore ban-drop-function
DROP FUNCTION erp_meta.function_phase_begin();
-- squawk-ignore ban-drop-function
DROP FUNCTION erp_meta.function_phase_end(text, text);

CREATE FUNCTION erp_meta.function_phase_begin(p_module text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_signature text;
    v_grantee text;
BEGIN
    -- the signatures and role names come from the catalog (regprocedure, regrole text)
    -- @plpgsql_check_options: security_warnings = false
    -- grants become exactly those in the module's files: every grant on its functions goes first
    FOR v_signature, v_grantee IN
        SELECT DISTINCT p.oid::regprocedure::text,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
        FROM erp_meta.function_manifest AS m
        INNER JOIN pg_catalog.pg_proc AS p ON p.oid = pg_catalog.to_regprocedure(m.signature)
        CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) AS a
        WHERE m.module = p_module AND a.grantee <> p.proowner
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', v_signature, v_grantee);
    END LOOP;
    -- the marker: function rows written after this command were defined by this run
    UPDATE erp_meta.installation SET version = version;
END
$fn$;
COMMENT ON FUNCTION erp_meta.function_phase_begin(text) IS
    'Before sql/<module>/functions is applied: revokes every grant on that module''s functions '
    'and marks the start of the phase (see erp_meta.function_phase_end).';

CREATE FUNCTION erp_meta.function_phase_end(
    p_module text, p_version text, p_requires jsonb, p_description text, p_functions_sha256 text
)
RETURNS TABLE (signature text, action text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_xid xid := pg_current_xact_id()::xid;
    v_marker bigint;
    v_defined text[];
    v_other text;
BEGIN
    -- the signatures to drop come from the catalog (regprocedure text)
    -- @plpgsql_check_options: security_warnings = false
    SELECT i.cmin::text::bigint INTO STRICT v_marker FROM erp_meta.installation AS i WHERE i.xmin = v_xid;
    SELECT coalesce(array_agg(p.oid::regprocedure::text), '{}') INTO v_defined
    FROM pg_catalog.pg_proc AS p
    WHERE p.pronamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
        AND p.xmin = v_xid AND p.cmin::text::bigint > v_marker
        AND p.proname NOT IN (SELECT g.function_name FROM erp_meta.generated_functions AS g);
    -- a module extends another through hooks; it never replaces the other's functions
    SELECT string_agg(format('%s (module %s)', m.signature, m.module), ', ' ORDER BY m.signature)
    INTO v_other
    FROM erp_meta.function_manifest AS m
    WHERE m.signature = ANY (v_defined) AND m.module <> p_module;
    IF v_other IS NOT NULL THEN
        RAISE EXCEPTION 'module %: its files define functions of another module: %', p_module, v_other
            USING ERRCODE = 'ZE009',
            HINT = 'Extend another module through a hook (erp_meta.hook_register) or a function of your own name.';
    END IF;
    -- no file of the module defines them any more (or their signature changed): drop by exact signature
    FOR signature IN
        SELECT m.signature FROM erp_meta.function_manifest AS m
        WHERE m.module = p_module AND pg_catalog.to_regprocedure(m.signature) IS NOT NULL
            AND m.signature <> ALL (v_defined)
        ORDER BY m.signature
    LOOP
        EXECUTE format('DROP FUNCTION %s', signature);
        action := 'dropped';
        RETURN NEXT;
    END LOOP;
    FOR signature IN
        SELECT d.sig FROM unnest(v_defined) AS d (sig)
        WHERE NOT EXISTS (SELECT 1 FROM erp_meta.function_manifest AS m WHERE m.signature = d.sig)
        ORDER BY d.sig
    LOOP
        action := 'created';
        RETURN NEXT;
    END LOOP;
    DELETE FROM erp_meta.function_manifest AS m WHERE m.module = p_module AND m.signature <> ALL (v_defined);
    INSERT INTO erp_meta.function_manifest (signature, module)
    SELECT d.sig, p_module FROM unnest(v_defined) AS d (sig)
    ON CONFLICT ON CONSTRAINT function_manifest_pkey DO NOTHING;
    -- hooks whose function is gone (dropped above) call nothing any more
    DELETE FROM erp_meta.hooks AS h WHERE pg_catalog.to_regprocedure(h.function) IS NULL;
    IF p_module = 'base' THEN
        UPDATE erp_meta.installation AS i
        SET version = p_version, functions_sha256 = p_functions_sha256,
            installed_at = CASE WHEN i.version = p_version THEN i.installed_at ELSE now() END
        WHERE i.version IS DISTINCT FROM p_version OR i.functions_sha256 IS DISTINCT FROM p_functions_sha256;
    END IF;
    INSERT INTO erp_meta.modules AS r (name, version, requires, description)
    VALUES (p_module, p_version, p_requires, p_description)
    ON CONFLICT ON CONSTRAINT modules_pkey DO UPDATE
    SET version = excluded.version, requires = excluded.requires, description = excluded.description,
        upgraded_at = CASE WHEN r.version = excluded.version THEN r.upgraded_at ELSE now() END;
END
$fn$;
COMMENT ON FUNCTION erp_meta.function_phase_end(text, text, jsonb, text, text) IS
    'After sql/<module>/functions was applied: drops that module''s functions no file defined in '
    'this run (exact signature), records the ones that were, and the module''s installed version '
    '(erp_meta.modules; for base also erp_meta.installation).';

-- ---- hooks: extension points of one module's operations for the modules that require it -----
CREATE TABLE erp_meta.hooks (
    hook text NOT NULL,
    module text NOT NULL,
    function text NOT NULL,
    position integer NOT NULL,
    CONSTRAINT hooks_pkey PRIMARY KEY (hook, function),
    CONSTRAINT hooks_position_key UNIQUE (hook, position),
    CONSTRAINT hooks_hook_check CHECK (hook ~ '^erp\.[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$')
);
COMMENT ON TABLE erp_meta.hooks IS
    'Registered hooks: erp._hooks_run(hook, tenant, record) calls each function '
    '(p_tenant_id uuid, p_record jsonb) RETURNS void in position order, inside the caller''s '
    'transaction. Written by erp_meta.hook_register from a module''s migration.';
COMMENT ON COLUMN erp_meta.hooks.hook IS
    'The operation''s hook name, e.g. erp.sales.order.confirm, erp.inventory.picking.done.';
COMMENT ON COLUMN erp_meta.hooks.module IS 'The module that registered it.';
COMMENT ON COLUMN erp_meta.hooks.function IS
    'The function''s exact signature (regprocedure text, e.g. erp._f(uuid,jsonb)); stored as text '
    'because pg_upgrade refuses a user table with a regprocedure column.';
REVOKE ALL ON erp_meta.hooks FROM PUBLIC;
