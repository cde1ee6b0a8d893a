-- The security contract, read from the catalog (so objects added by later migrations and
-- function files are checked too): who may execute what, SECURITY DEFINER hygiene, ownership,
-- revoke-by-default, row-level security, and tenant_id leading every key.
BEGIN;
SELECT plan(32);

-- ===== the intended EXECUTE grants: the ONE place to extend ===============================
-- Rule: every function in schema erp whose name does not start with '_' is the public API,
-- executable by erp_app and erp_admin. Exceptions are listed here with their exact roles.
-- Functions starting with '_' and everything in erp_meta: nobody (only the owner).
-- PUBLIC: nothing, ever.
CREATE TEMP TABLE grant_exceptions (proname name PRIMARY KEY, roles name[] NOT NULL, why text NOT NULL)
ON COMMIT DROP;
INSERT INTO grant_exceptions VALUES
('atomic_insert_with_audit', '{}', 'generic writer: for module authors, not application roles'),
('atomic_insert_many_with_audit', '{}', 'generic writer: for module authors, not application roles'),
('atomic_update_with_audit', '{}', 'generic writer: for module authors, not application roles'),
('tenant_create', '{erp_admin}', 'only administrators create tenants'),
('uuid_v7', '{}', 'internal id generator used by the writers'),
('audit_history', '{erp_app,erp_admin,erp_auditor}', 'audit read'),
('audit_events', '{erp_app,erp_admin,erp_auditor}', 'audit read'),
('entity_as_of', '{erp_app,erp_admin,erp_auditor}', 'audit read'),
('audit_verify', '{erp_admin,erp_auditor}', 'a full scan: auditors and administrators, not every app call'),
('audit_feed', '{erp_admin,erp_auditor}', 'audit feed'),
('audit_feed_lag', '{erp_admin,erp_auditor}', 'audit feed'),
('audit_seal_verify', '{erp_admin,erp_auditor}', 'seal verification'),
('audit_seal_head', '{erp_admin,erp_auditor}', 'seal head for auditors'),
('audit_partitions', '{erp_admin,erp_auditor}', 'installation-wide: partition listing'),
('audit_tenants', '{erp_admin,erp_auditor}', 'installation-wide: tenant list for audit tools'),
('audit_seal', '{erp_admin}', 'sealing is maintenance'),
('audit_maintain', '{erp_admin}', 'installation-wide maintenance'),
('audit_month_digest', '{erp_admin}', 'installation-wide retention'),
('audit_month_export', '{erp_admin}', 'installation-wide retention'),
('audit_archive_record', '{erp_admin}', 'installation-wide retention'),
('audit_purge', '{erp_admin}', 'installation-wide retention'),
('audit_subscriber_ddl', '{erp_admin,erp_replicator}', 'the table a subscriber of erp_audit creates'),
('audit_restored', '{erp_admin}', 'installation-wide: the one step after a logical restore'),
('audit_archive_check', '{erp_admin,erp_auditor}', 'installation-wide: an archive against its record and the seal'),
('audit_retention_set', '{}', 'retention is changed by the owner only (a migration or the DBA), never by erp_admin');
-- Installation-wide functions: they act on the whole installation, not one tenant, and are the
-- only public functions whose first argument is not p_tenant_id (docs/design.md, "Decisions and
-- why": "Installation-wide objects ... the catalog test lists them by name").
CREATE TEMP TABLE installation_wide (proname name PRIMARY KEY) ON COMMIT DROP;
INSERT INTO installation_wide VALUES ('audit_maintain'), ('audit_partitions'), ('audit_month_digest'),
('audit_month_export'), ('audit_archive_record'), ('audit_purge'), ('audit_tenants'), ('audit_restored'),
('audit_archive_check'), ('audit_subscriber_ddl');
-- Internal functions that are SECURITY DEFINER on purpose: the deferred trigger of numbers at
-- commit runs as whoever commits, so it switches to the owner like the public functions.
CREATE TEMP TABLE internal_definers (proname name PRIMARY KEY) ON COMMIT DROP;
INSERT INTO internal_definers VALUES ('_number_requests_at_commit');

CREATE TEMP VIEW erp_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.proname, n.nspname, p.prosecdef,
    p.proconfig, p.proowner, p.proacl, p.prorettype
FROM pg_proc AS p INNER JOIN pg_namespace AS n ON p.pronamespace = n.oid
WHERE n.nspname IN ('erp', 'erp_meta');

CREATE TEMP VIEW intended_grants AS
SELECT f.signature, r.role
FROM erp_functions AS f
LEFT JOIN grant_exceptions AS x ON f.proname = x.proname AND f.nspname = 'erp'
CROSS JOIN LATERAL unnest(
    CASE
        WHEN x.proname IS NOT NULL THEN x.roles
        WHEN f.nspname = 'erp' AND f.proname !~ '^_' THEN '{erp_app,erp_admin}'::name[]
        ELSE '{}'::name[]
    END
) AS r (role);

CREATE TEMP VIEW public_api AS
SELECT DISTINCT f.* FROM erp_functions AS f INNER JOIN intended_grants AS g ON f.signature = g.signature;

SELECT cmp_ok((SELECT count(*)::integer FROM public_api), '>=', 14,
    'the public API is found in the catalog (at least the audit core and sequences)');
SELECT is_empty(
    $$SELECT x.proname FROM grant_exceptions AS x
    WHERE NOT EXISTS (SELECT 1 FROM erp_functions AS f WHERE f.proname = x.proname)$$,
    'every exception names an existing function'
);
SELECT set_eq(
    $$SELECT f.signature, a.grantee::regrole::name
    FROM erp_functions AS f
    CROSS JOIN LATERAL aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) AS a
    WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> f.proowner AND a.grantee <> 0$$,
    $$SELECT g.signature, g.role FROM intended_grants AS g$$,
    'EXECUTE grants in the ACLs are exactly the intended ones (extra or missing pairs listed)'
);
SELECT set_eq(
    $$SELECT f.signature, r.role FROM erp_functions AS f
    CROSS JOIN (VALUES ('erp_app'::name), ('erp_auditor'), ('erp_admin'), ('erp_replicator')) AS r (role)
    WHERE has_function_privilege(r.role, f.oid, 'EXECUTE')$$,
    $$SELECT g.signature, g.role FROM intended_grants AS g$$,
    'each role can execute exactly its intended functions'
);
SELECT is_empty(
    $$SELECT f.signature FROM erp_functions AS f
    CROSS JOIN LATERAL aclexplode(coalesce(f.proacl, acldefault('f', f.proowner))) AS a
    WHERE a.grantee = 0$$,
    'PUBLIC can execute no function in erp or erp_meta'
);
SELECT is_empty(
    $$SELECT f.signature, a.grantee::regrole FROM erp_functions AS f
    CROSS JOIN LATERAL aclexplode(f.proacl) AS a
    WHERE a.is_grantable AND a.grantee <> f.proowner$$,
    'no function grant carries GRANT OPTION'
);
SELECT is_empty(
    $$SELECT d.defaclrole::regrole, d.defaclobjtype FROM pg_default_acl AS d
    CROSS JOIN LATERAL aclexplode(d.defaclacl) AS a
    WHERE d.defaclrole = 'erp_owner'::regrole AND a.grantee = 0$$,
    'default privileges of erp_owner grant PUBLIC nothing'
);
SELECT ok(
    EXISTS (SELECT 1 FROM pg_default_acl AS d
    WHERE d.defaclrole = 'erp_owner'::regrole AND d.defaclobjtype = 'f' AND d.defaclnamespace = 0),
    'default privileges of erp_owner revoke EXECUTE on new functions from PUBLIC'
);

-- ===== SECURITY DEFINER hygiene and calling convention ======================================
SELECT is_empty(
    $$SELECT f.signature, f.proconfig FROM erp_functions AS f
    WHERE f.prosecdef AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (f.proconfig), false)$$,
    'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp'
);
SELECT is_empty(
    $$SELECT f.signature FROM public_api AS f WHERE NOT f.prosecdef$$,
    'every granted function is SECURITY DEFINER (tables are private)'
);
SELECT is_empty(
    $$SELECT f.signature FROM erp_functions AS f WHERE f.prosecdef AND f.proname ~ '^_'
    AND f.proname NOT IN (SELECT d.proname FROM internal_definers AS d)$$,
    'no internal (_) function is SECURITY DEFINER but the listed trigger'
);
SELECT is_empty(
    $$SELECT f.signature FROM public_api AS f JOIN pg_proc AS p ON p.oid = f.oid
    WHERE (p.proargnames[1] IS DISTINCT FROM 'p_tenant_id' OR p.proargtypes[0] <> 'uuid'::regtype)
        AND f.proname NOT IN (SELECT w.proname FROM installation_wide AS w)$$,
    'every public function but the listed installation-wide ones takes p_tenant_id uuid first'
);
SELECT is_empty(
    $$SELECT w.proname FROM installation_wide AS w
    WHERE NOT EXISTS (SELECT 1 FROM public_api AS f WHERE f.proname = w.proname)
    UNION ALL
    SELECT f.proname FROM public_api AS f JOIN pg_proc AS p ON p.oid = f.oid
    WHERE f.proname IN (SELECT w.proname FROM installation_wide AS w) AND 'p_tenant_id' = ANY (p.proargnames)$$,
    'the installation-wide functions exist and take no tenant'
);
SELECT is_empty(
    $$SELECT f.signature FROM public_api AS f JOIN pg_proc AS p ON p.oid = f.oid
    WHERE f.proname IN ('audit_archive_record', 'audit_purge')
        AND (p.proargnames[1:3] <> ARRAY['p_actor_user_id', 'p_actor_type', 'p_trace_id']
        OR (p.proargtypes[0], p.proargtypes[1], p.proargtypes[2])
        <> ('uuid'::regtype::oid, 'text'::regtype::oid, 'text'::regtype::oid))$$,
    'installation-wide writes take the actor context (p_actor_user_id, p_actor_type, p_trace_id) first'
);
SELECT is_empty(
    $$SELECT f.proname FROM erp_functions AS f WHERE f.nspname = 'erp'
    GROUP BY f.proname HAVING count(*) > 1$$,
    'no function name of schema erp has two overloads (a changed signature leaves no stale one)'
);
SELECT is_empty(
    $$SELECT f.signature, a.name FROM public_api AS f JOIN pg_proc AS p ON p.oid = f.oid
    CROSS JOIN LATERAL unnest(p.proargnames, coalesce(p.proargmodes, array_fill('i'::"char",
        ARRAY[coalesce(cardinality(p.proargnames), 0)]))) AS a (name, mode)
    WHERE a.mode IN ('i', 'b', 'v') AND a.name !~ '^p_'$$,
    'every argument of a public function is named p_<name>'
);
SELECT is_empty(
    $$SELECT f.signature FROM public_api AS f JOIN pg_proc AS p ON p.oid = f.oid
    WHERE p.proargnames[2] = 'p_actor_user_id' AND (
        p.proargnames[3:4] <> ARRAY['p_actor_type', 'p_trace_id']
        OR (p.proargtypes[1], p.proargtypes[2], p.proargtypes[3])
        <> ('uuid'::regtype::oid, 'text'::regtype::oid, 'text'::regtype::oid))$$,
    'write functions take the context (p_actor_user_id uuid, p_actor_type text, p_trace_id text) in order'
);
SELECT is_empty(
    $$SELECT f.signature FROM public_api AS f WHERE obj_description(f.oid, 'pg_proc') IS NULL$$,
    'every public function has a COMMENT'
);

-- ===== ownership, roles, schemas, table privileges =========================================
SELECT is_empty(
    $$SELECT 'function ' || f.signature FROM erp_functions AS f WHERE f.proowner <> 'erp_owner'::regrole
    UNION ALL
    SELECT 'relation ' || c.oid::regclass FROM pg_class AS c
    WHERE c.relnamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
        AND c.relowner <> 'erp_owner'::regrole
    UNION ALL
    SELECT 'type ' || t.oid::regtype FROM pg_type AS t
    WHERE t.typnamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)
        AND t.typowner <> 'erp_owner'::regrole
    UNION ALL
    SELECT 'schema ' || n.nspname FROM pg_namespace AS n
    WHERE n.nspname IN ('erp', 'erp_meta') AND n.nspowner <> 'erp_owner'::regrole$$,
    'erp_owner owns every schema, relation, type and function of the module'
);
SELECT is(
    (SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles AS r
    WHERE r.rolname IN ('erp_owner', 'erp_app', 'erp_auditor', 'erp_admin', 'erp_replicator')
        AND NOT r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolbypassrls AND NOT r.rolcreaterole
        AND NOT r.rolcreatedb AND NOT r.rolreplication),
    ARRAY['erp_admin', 'erp_app', 'erp_auditor', 'erp_owner', 'erp_replicator'],
    'the five roles exist, are NOLOGIN, and are neither superuser, BYPASSRLS nor REPLICATION'
);
SELECT set_eq(
    $$SELECT n.nspname::text, coalesce(a.grantee::regrole::text, 'PUBLIC'), a.privilege_type
    FROM pg_namespace AS n CROSS JOIN LATERAL aclexplode(n.nspacl) AS a
    WHERE n.nspname IN ('erp', 'erp_meta') AND a.grantee <> n.nspowner$$,
    $$VALUES ('erp', 'erp_app', 'USAGE'), ('erp', 'erp_auditor', 'USAGE'), ('erp', 'erp_admin', 'USAGE'),
    ('erp', 'erp_replicator', 'USAGE')$$,
    'schema privileges: USAGE on erp for the three application roles and erp_replicator, nothing else'
);
SELECT is_empty(
    $$SELECT c.oid::regclass, a.grantee, a.privilege_type FROM pg_class AS c
    CROSS JOIN LATERAL aclexplode(c.relacl) AS a
    WHERE c.relnamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace) AND a.grantee <> c.relowner
        AND NOT (a.grantee = 'erp_replicator'::regrole AND a.privilege_type = 'SELECT'
            AND c.oid IN (SELECT 'erp.erp_audit_events'::regclass UNION ALL
                SELECT i.inhrelid FROM pg_inherits AS i WHERE i.inhparent = 'erp.erp_audit_events'::regclass))
    UNION ALL
    SELECT c.oid::regclass, a.grantee, a.privilege_type FROM pg_attribute AS att
    JOIN pg_class AS c ON c.oid = att.attrelid
    CROSS JOIN LATERAL aclexplode(att.attacl) AS a
    WHERE c.relnamespace IN ('erp'::regnamespace, 'erp_meta'::regnamespace)$$,
    'no table, view, sequence or column privilege is granted to anyone (but SELECT on the trail to erp_replicator)'
);

-- ===== row-level security ==================================================================
SELECT is_empty(
    $$SELECT c.oid::regclass FROM pg_class AS c
    WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind IN ('r', 'p')
        AND NOT (c.relrowsecurity AND c.relforcerowsecurity)$$,
    'row-level security is enabled and forced on every table of schema erp'
);
SELECT is_empty(
    $$SELECT c.oid::regclass FROM pg_class AS c
    WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind IN ('r', 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_policy AS p WHERE p.polrelid = c.oid)
    UNION ALL
    SELECT p.polrelid::regclass FROM pg_policy AS p JOIN pg_class AS c ON c.oid = p.polrelid
    WHERE c.relnamespace = 'erp'::regnamespace AND p.polroles <> ARRAY['erp_owner'::regrole::oid]
        AND NOT (p.polroles = ARRAY['erp_replicator'::regrole::oid] AND p.polcmd = 'r'
            AND c.oid IN (SELECT 'erp.erp_audit_events'::regclass UNION ALL
                SELECT i.inhrelid FROM pg_inherits AS i WHERE i.inhparent = 'erp.erp_audit_events'::regclass))$$,
    'every table has a policy, and every policy applies to erp_owner only (but the read policy of erp_replicator on the trail)'
);

-- ===== tenant_id leads every key ===========================================================
CREATE TEMP VIEW tenant_tables AS
SELECT c.oid, c.oid::regclass AS tbl FROM pg_class AS c
WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind IN ('r', 'p')
    AND c.oid <> 'erp.erp_tenants'::regclass;  -- its key id IS the tenant id

SELECT cmp_ok((SELECT count(*)::integer FROM tenant_tables), '>=', 3,
    'the key checks see the tenant tables (at least audit events, sequences, counters)');
SELECT is_empty(
    $$SELECT t.tbl FROM tenant_tables AS t
    WHERE NOT EXISTS (SELECT 1 FROM pg_attribute AS a WHERE a.attrelid = t.oid AND a.attnum = 1
        AND a.attname = 'tenant_id' AND a.atttypid = 'uuid'::regtype AND a.attnotnull)$$,
    'every tenant table starts with tenant_id uuid NOT NULL'
);
SELECT is_empty(
    $$SELECT t.tbl FROM tenant_tables AS t
    WHERE NOT EXISTS (SELECT 1 FROM pg_index AS i WHERE i.indrelid = t.oid AND i.indisprimary)$$,
    'every tenant table has a primary key'
);
SELECT is_empty(
    $$SELECT t.tbl, i.indexrelid::regclass FROM tenant_tables AS t
    JOIN pg_index AS i ON i.indrelid = t.oid
    WHERE (i.indisunique OR i.indisprimary OR i.indisexclusion)
        AND i.indkey[0] <> (SELECT a.attnum FROM pg_attribute AS a
            WHERE a.attrelid = t.oid AND a.attname = 'tenant_id')$$,
    'tenant_id is the first column of every primary key, unique constraint and unique index'
);
SELECT is_empty(
    $$SELECT c.conrelid::regclass, c.conname FROM pg_constraint AS c
    JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute AS fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND c.connamespace = 'erp'::regnamespace
        AND NOT (a.attname = 'tenant_id' AND (fa.attname = 'tenant_id'
            OR (c.confrelid = 'erp.erp_tenants'::regclass AND fa.attname = 'id'
                AND cardinality(c.conkey) = 1)))$$,
    'every foreign key starts with tenant_id and references tenant_id (or is the tenant itself)'
);
SELECT is_empty(
    $$SELECT c.conrelid::regclass, c.conname FROM pg_constraint AS c
    JOIN pg_class AS t ON t.oid = c.conrelid
    WHERE c.connamespace = 'erp'::regnamespace AND c.contype IN ('p', 'u', 'c', 'f')
        AND t.relname IN (SELECT e.table_name FROM erp_meta.entity_types AS e)
        AND NOT EXISTS (SELECT 1 FROM erp_meta.constraint_fields AS f
            WHERE f.table_name = t.relname AND f.constraint_name = c.conname)
    UNION ALL
    SELECT i.indrelid::regclass, i.indexrelid::regclass::text FROM pg_index AS i
    JOIN pg_class AS t ON t.oid = i.indrelid JOIN pg_class AS ic ON ic.oid = i.indexrelid
    WHERE i.indisunique AND t.relname IN (SELECT e.table_name FROM erp_meta.entity_types AS e)
        AND t.relnamespace = 'erp'::regnamespace
        AND NOT EXISTS (SELECT 1 FROM erp_meta.constraint_fields AS f
            WHERE f.table_name = t.relname AND f.constraint_name = ic.relname)$$,
    'every constraint and unique index of an entity table maps to its field in erp_meta.constraint_fields'
);
SELECT is_empty(
    $$SELECT f.table_name, f.constraint_name FROM erp_meta.constraint_fields AS f
    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint AS c JOIN pg_class AS t ON t.oid = c.conrelid
        WHERE t.relname = f.table_name AND c.conname = f.constraint_name AND t.relnamespace = 'erp'::regnamespace)
        AND NOT EXISTS (SELECT 1 FROM pg_class AS ic WHERE ic.relname = f.constraint_name
            AND ic.relnamespace = 'erp'::regnamespace AND ic.relkind = 'i')$$,
    'erp_meta.constraint_fields names only constraints and indexes that exist'
);
SELECT set_eq(
    $$SELECT c.relname::text FROM pg_class AS c WHERE c.relnamespace = 'erp_meta'::regnamespace AND c.relkind = 'r'
        -- a module's own installation-wide tables (<module>_...) are listed by its catalog test
        AND NOT EXISTS (SELECT 1 FROM erp_meta.modules AS m
            WHERE m.name <> 'base' AND c.relname::text LIKE m.name || '\_%')$$,
    $$VALUES ('schema_migrations'), ('entity_types'), ('installation'), ('function_manifest'),
        ('generated_functions'), ('audit_settings'), ('audit_archives'), ('audit_purges'), ('constraint_fields'),
        ('audit_eras'), ('modules'), ('hooks')$$,
    'the installation-wide tables of erp_meta (other modules'' aside) are exactly the listed ones'
);

SELECT * FROM finish();
ROLLBACK;
