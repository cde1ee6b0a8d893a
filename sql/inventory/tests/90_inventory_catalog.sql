-- The inventory module's catalog: what erp_app may execute (exactly), every public function
-- SECURITY DEFINER with a pinned search_path and tenant first, private helpers closed, tables
-- private with row-level security forced, tenant_id first in every key and foreign key.
BEGIN;
SELECT plan(10);

CREATE TEMP VIEW inventory_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.proname, p.prosecdef, p.proconfig, p.proargnames
FROM pg_proc AS p
WHERE p.pronamespace = 'erp'::regnamespace AND (
    p.oid::regprocedure::text IN (SELECT m.signature FROM erp_meta.function_manifest AS m WHERE m.module = 'inventory')
    OR p.proname IN (SELECT g.function_name FROM erp_meta.generated_functions AS g WHERE g.entity_type LIKE 'erp.inventory.%'));
CREATE TEMP VIEW inventory_tables AS
SELECT c.oid, c.relname FROM pg_class AS c
WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname LIKE 'inventory\_%';

SELECT cmp_ok((SELECT count(*)::integer FROM inventory_functions WHERE proname !~ '^_'), '=', 18,
    'the module''s 18 public functions are found (hand-written and generated)');
SELECT set_eq(
    $$SELECT f.proname::text FROM inventory_functions AS f WHERE has_function_privilege('erp_app', f.oid, 'EXECUTE')$$,
    ARRAY['inventory_location_create', 'inventory_location_update', 'inventory_location_get', 'inventory_location_list',
        'inventory_location_archive', 'inventory_location_restore', 'inventory_setup', 'inventory_picking_create',
        'inventory_picking_confirm', 'inventory_picking_reserve', 'inventory_picking_unreserve', 'inventory_picking_cancel',
        'inventory_picking_validate', 'inventory_picking_get', 'inventory_picking_list', 'inventory_adjust',
        'inventory_on_hand', 'inventory_verify'],
    'erp_app may execute exactly the module''s public functions'
);
SELECT is_empty(
    $$SELECT f.signature FROM inventory_functions AS f
    WHERE f.proname !~ '^_' AND NOT has_function_privilege('erp_admin', f.oid, 'EXECUTE')$$,
    'erp_admin may execute them too'
);
SELECT is_empty(
    $$SELECT f.signature FROM inventory_functions AS f
    CROSS JOIN LATERAL aclexplode(coalesce((SELECT p.proacl FROM pg_proc AS p WHERE p.oid = f.oid),
        acldefault('f', (SELECT p.proowner FROM pg_proc AS p WHERE p.oid = f.oid)))) AS a
    WHERE a.grantee = 0$$,
    'PUBLIC may execute none of them'
);
SELECT is_empty(
    $$SELECT f.signature FROM inventory_functions AS f
    WHERE f.proname !~ '^_' AND NOT (f.prosecdef AND coalesce('search_path=pg_catalog, pg_temp' = ANY (f.proconfig), false))$$,
    'every public function is SECURITY DEFINER with search_path pinned to pg_catalog, pg_temp'
);
SELECT is_empty(
    $$SELECT f.signature FROM inventory_functions AS f WHERE f.proname ~ '^_' AND f.prosecdef$$,
    'no private helper is SECURITY DEFINER'
);
SELECT is_empty(
    $$SELECT f.signature FROM inventory_functions AS f WHERE f.proname !~ '^_' AND f.proargnames[1] IS DISTINCT FROM 'p_tenant_id'$$,
    'every public function takes p_tenant_id first'
);
SELECT is_empty(
    $$SELECT t.relname FROM inventory_tables AS t JOIN pg_class AS c ON c.oid = t.oid
    WHERE NOT (c.relrowsecurity AND c.relforcerowsecurity)
        OR has_table_privilege('erp_app', t.oid, 'SELECT, INSERT, UPDATE, DELETE')$$,
    'row-level security is enabled and forced on every table, and erp_app has no table privilege'
);
SELECT is_empty(
    $$SELECT t.relname, i.indexrelid::regclass FROM inventory_tables AS t
    JOIN pg_index AS i ON i.indrelid = t.oid
    WHERE (i.indisunique OR i.indisprimary)
        AND i.indkey[0] <> (SELECT a.attnum FROM pg_attribute AS a WHERE a.attrelid = t.oid AND a.attname = 'tenant_id')$$,
    'tenant_id is the first column of every primary key and unique index'
);
SELECT is_empty(
    $$SELECT c.conrelid::regclass, c.conname FROM pg_constraint AS c
    JOIN inventory_tables AS t ON t.oid = c.conrelid
    JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute AS fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND NOT (a.attname = 'tenant_id' AND (fa.attname = 'tenant_id'
        OR (c.confrelid = 'erp.erp_tenants'::regclass AND fa.attname = 'id' AND cardinality(c.conkey) = 1)))$$,
    'every foreign key starts with tenant_id and references tenant_id (or is the tenant itself)'
);

SELECT * FROM finish();
ROLLBACK;
