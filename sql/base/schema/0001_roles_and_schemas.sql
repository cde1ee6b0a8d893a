-- Roles, schemas and default privileges. Roles are cluster-wide, so create them only once.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';

DO $roles$
DECLARE
    v_role text;
BEGIN
    FOREACH v_role IN ARRAY ARRAY['erp_owner', 'erp_app', 'erp_auditor', 'erp_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
        END IF;
    END LOOP;
    -- a migrating role that is not a superuser must be able to SET ROLE erp_owner
    IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT erp_owner TO %I', current_user);
    END IF;
END
$roles$;

COMMENT ON ROLE erp_owner IS 'erp.base: owns every object; NOLOGIN, nothing connects as it';
COMMENT ON ROLE erp_app IS 'erp.base: application role; may only EXECUTE the public functions';
COMMENT ON ROLE erp_auditor IS 'erp.base: may only EXECUTE the audit read functions';
COMMENT ON ROLE erp_admin IS 'erp.base: application role that may also create tenants';

CREATE SCHEMA erp AUTHORIZATION erp_owner;
COMMENT ON SCHEMA erp IS 'erp.base: private tables, public functions; call the functions';
ALTER SCHEMA erp_meta OWNER TO erp_owner;
ALTER TABLE erp_meta.schema_migrations OWNER TO erp_owner;
COMMENT ON SCHEMA erp_meta IS 'erp.base: migration ledger and entity registry';

REVOKE ALL ON SCHEMA erp FROM PUBLIC;
REVOKE ALL ON SCHEMA erp_meta FROM PUBLIC;
GRANT USAGE ON SCHEMA erp TO erp_app, erp_auditor, erp_admin;

-- functions created later by erp_owner are not executable by PUBLIC unless granted one by one
ALTER DEFAULT PRIVILEGES FOR ROLE erp_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE erp_owner IN SCHEMA erp REVOKE ALL ON TABLES FROM PUBLIC;
