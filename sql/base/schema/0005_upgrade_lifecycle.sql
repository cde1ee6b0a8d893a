-- Upgrades in place: what the bundle (psql -1 -f) and the runner need so that, after every run,
-- the installed functions and their grants are exactly those of sql/functions.
--   * erp_meta.installation: one row, the version installed and the digest of its functions;
--   * erp_meta.function_manifest: the functions sql/functions created (never a module author's,
--     never a migration's own such as erp._code_key): the ones the lifecycle may drop;
--   * erp_meta.generated_functions: the writers erp_meta.regenerate_writers() generates;
--   * erp_meta.function_phase_begin() / _end(): around the re-application of sql/functions,
--     they revoke every grant first (the files grant again) and afterwards drop, by exact
--     signature, the manifest functions that no file defined in this run.
-- A function "defined in this run" is one whose pg_proc row was written by this transaction
-- after the phase began: CREATE OR REPLACE always writes a new row version, whose xmin is the
-- current transaction and whose cmin is the command that wrote it.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- its result type changes in this release (CREATE OR REPLACE cannot change a result type);
-- only the migrator calls it
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS erp_meta.generate_writers(text);

CREATE TABLE erp_meta.installation (
    singleton boolean NOT NULL DEFAULT true,
    version text NOT NULL,
    functions_sha256 text NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT installation_pkey PRIMARY KEY (singleton),
    CONSTRAINT installation_singleton_check CHECK (singleton)
);
COMMENT ON TABLE erp_meta.installation IS
    'The erp.base version installed in this database and the SHA-256 of its function files '
    '(one row; written by every bundle or runner run).';
INSERT INTO erp_meta.installation (version, functions_sha256) VALUES ('0.1.0', '');

CREATE TABLE erp_meta.function_manifest (
    signature text NOT NULL,
    CONSTRAINT function_manifest_pkey PRIMARY KEY (signature)
);
COMMENT ON TABLE erp_meta.function_manifest IS
    'Functions created by sql/functions (regprocedure text): an upgrade drops those that no file '
    'defines any more. Functions of migrations, generated writers and modules are not listed.';

CREATE TABLE erp_meta.generated_functions (
    function_name text NOT NULL,
    entity_type text NOT NULL,
    CONSTRAINT generated_functions_pkey PRIMARY KEY (function_name)
);
COMMENT ON TABLE erp_meta.generated_functions IS
    'Functions in schema erp written by erp_meta.regenerate_writers() (every overload of each '
    'name); regeneration drops and re-creates them.';

-- What v0.1.0 installed from sql/functions and generated: the first upgrade must know them to
-- revoke their grants and drop the ones no file defines any more. On a new database only the
-- migrations' own functions exist here, so nothing is recorded.
INSERT INTO erp_meta.function_manifest (signature)
SELECT p.oid::regprocedure::text
FROM pg_catalog.pg_proc AS p
WHERE p.pronamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
    AND p.oid NOT IN ('erp._code_key(text)'::regprocedure, 'erp._audit_reject_change()'::regprocedure)
    AND NOT EXISTS (
        SELECT 1 FROM erp_meta.entity_types AS e
        WHERE p.proname IN ('_' || e.writer_prefix || '_insert', '_' || e.writer_prefix || '_lock',
            '_' || e.writer_prefix || '_write')
    );
INSERT INTO erp_meta.generated_functions (function_name, entity_type)
SELECT DISTINCT p.proname, e.entity_type
FROM pg_catalog.pg_proc AS p
INNER JOIN erp_meta.entity_types AS e
    ON p.proname IN ('_' || e.writer_prefix || '_insert', '_' || e.writer_prefix || '_lock',
        '_' || e.writer_prefix || '_write')
WHERE p.pronamespace = 'erp'::regnamespace;

CREATE FUNCTION erp_meta.function_phase_begin() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_signature text;
    v_grantee text;
BEGIN
    -- the signatures and role names come from the catalog (regprocedure, regrole text)
    -- @plpgsql_check_options: security_warnings = false
    -- grants become exactly those in the files: every grant on a project function goes first
    FOR v_signature, v_grantee IN
        SELECT DISTINCT p.oid::regprocedure::text,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
        FROM erp_meta.function_manifest AS m
        INNER JOIN pg_catalog.pg_proc AS p ON p.oid = pg_catalog.to_regprocedure(m.signature)
        CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) AS a
        WHERE a.grantee <> p.proowner
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s', v_signature, v_grantee);
    END LOOP;
    -- the marker: function rows written after this command were defined by this run
    UPDATE erp_meta.installation SET version = version;
END
$fn$;
COMMENT ON FUNCTION erp_meta.function_phase_begin() IS
    'Before sql/functions is applied: revokes every grant on the project''s functions and marks '
    'the start of the phase (see erp_meta.function_phase_end).';

CREATE FUNCTION erp_meta.function_phase_end(p_version text, p_functions_sha256 text)
RETURNS TABLE (signature text, action text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_xid xid := pg_current_xact_id()::xid;
    v_marker bigint;
    v_defined text[];
BEGIN
    -- the signatures to drop come from the catalog (regprocedure text)
    -- @plpgsql_check_options: security_warnings = false
    SELECT i.cmin::text::bigint INTO STRICT v_marker FROM erp_meta.installation AS i WHERE i.xmin = v_xid;
    SELECT coalesce(array_agg(p.oid::regprocedure::text), '{}') INTO v_defined
    FROM pg_catalog.pg_proc AS p
    WHERE p.pronamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
        AND p.xmin = v_xid AND p.cmin::text::bigint > v_marker
        AND p.proname NOT IN (SELECT g.function_name FROM erp_meta.generated_functions AS g);
    -- no file defines them any more (or their signature changed): drop by exact signature
    FOR signature IN
        SELECT m.signature FROM erp_meta.function_manifest AS m
        WHERE pg_catalog.to_regprocedure(m.signature) IS NOT NULL AND m.signature <> ALL (v_defined)
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
    DELETE FROM erp_meta.function_manifest AS m WHERE m.signature <> ALL (v_defined);
    INSERT INTO erp_meta.function_manifest (signature)
    SELECT d.sig FROM unnest(v_defined) AS d (sig)
    ON CONFLICT ON CONSTRAINT function_manifest_pkey DO NOTHING;
    UPDATE erp_meta.installation AS i
    SET version = p_version, functions_sha256 = p_functions_sha256,
        installed_at = CASE WHEN i.version = p_version THEN i.installed_at ELSE now() END
    WHERE i.version IS DISTINCT FROM p_version OR i.functions_sha256 IS DISTINCT FROM p_functions_sha256;
END
$fn$;
COMMENT ON FUNCTION erp_meta.function_phase_end(text, text) IS
    'After sql/functions was applied: drops the project functions no file defined in this run '
    '(exact signature), records the ones that were, and the installed version.';
