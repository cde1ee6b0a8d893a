-- The sales module's security contract, read from the catalog: the exact set of its functions
-- erp_app may execute, every public one SECURITY DEFINER with a pinned search_path, private
-- ones granted to nobody, row-level security forced on its tables, tenant_id first in every
-- key and foreign key, the currency table readable by no application role, the registry rows.
BEGIN;
SELECT plan(12);

CREATE TEMP VIEW sales_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.proname, p.prosecdef, p.proconfig
FROM pg_proc AS p
-- the bridge module sales_inventory has its own catalog test
WHERE p.pronamespace = 'erp'::regnamespace AND p.proname ~ '^_?sales_'
    AND p.proname !~ '^_?sales_inventory_';

SELECT set_eq(
    $$SELECT f.proname::text FROM sales_functions AS f WHERE has_function_privilege('erp_app', f.oid, 'EXECUTE')$$,
    $$VALUES ('sales_tax_create'), ('sales_tax_update'), ('sales_tax_archive'), ('sales_tax_restore'),
        ('sales_tax_get'), ('sales_tax_list'), ('sales_settings_set'), ('sales_settings_get'),
        ('sales_order_create'), ('sales_order_update'), ('sales_order_line_add'), ('sales_order_line_update'),
        ('sales_order_line_remove'), ('sales_order_confirm'), ('sales_order_cancel'), ('sales_order_get'),
        ('sales_order_list')$$,
    'erp_app may execute exactly the public sales functions'
);
SELECT set_eq(
    $$SELECT f.proname::text FROM sales_functions AS f WHERE has_function_privilege('erp_admin', f.oid, 'EXECUTE')$$,
    $$SELECT f.proname::text FROM sales_functions AS f WHERE has_function_privilege('erp_app', f.oid, 'EXECUTE')$$,
    'erp_admin may execute the same functions'
);
SELECT is_empty(
    $$SELECT f.signature FROM sales_functions AS f
    WHERE has_function_privilege('erp_auditor', f.oid, 'EXECUTE')
        OR (f.proname ~ '^_' AND (has_function_privilege('erp_app', f.oid, 'EXECUTE')
            OR has_function_privilege('erp_admin', f.oid, 'EXECUTE')))
        OR EXISTS (SELECT 1 FROM aclexplode(coalesce((SELECT p.proacl FROM pg_proc AS p WHERE p.oid = f.oid),
            acldefault('f', 'erp_owner'::regrole))) AS a WHERE a.grantee = 0)$$,
    'private sales functions are executable by nobody; erp_auditor and PUBLIC get none'
);
SELECT is_empty(
    $$SELECT f.signature FROM sales_functions AS f WHERE f.proname !~ '^_'
        AND NOT (f.prosecdef AND 'search_path=pg_catalog, pg_temp' = ANY (f.proconfig))$$,
    'every public sales function is SECURITY DEFINER with search_path = pg_catalog, pg_temp'
);
SELECT is_empty(
    $$SELECT f.signature FROM sales_functions AS f WHERE f.proname ~ '^_' AND f.prosecdef$$,
    'no private sales function is SECURITY DEFINER'
);
SELECT is_empty(
    $$SELECT f.signature FROM sales_functions AS f JOIN pg_proc AS p ON p.oid = f.oid
    WHERE f.proname !~ '^_' AND (p.proargnames[1] IS DISTINCT FROM 'p_tenant_id' OR p.proargtypes[0] <> 'uuid'::regtype)$$,
    'every public sales function takes p_tenant_id uuid first'
);

CREATE TEMP VIEW sales_tables AS
SELECT c.oid, c.relname FROM pg_class AS c
WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind = 'r' AND c.relname ~ '^sales_'
    AND c.relname !~ '^sales_inventory_';
SELECT set_eq(
    $$SELECT relname::text FROM sales_tables$$,
    $$VALUES ('sales_taxes'), ('sales_settings'), ('sales_orders'), ('sales_order_lines')$$,
    'the module''s tenant tables'
);
SELECT is_empty(
    $$SELECT t.relname FROM sales_tables AS t JOIN pg_class AS c ON c.oid = t.oid
    WHERE NOT (c.relrowsecurity AND c.relforcerowsecurity)
        OR has_table_privilege('erp_app', t.oid, 'SELECT') OR has_table_privilege('erp_admin', t.oid, 'SELECT')
    UNION ALL
    SELECT 'erp_meta.sales_currencies' WHERE has_table_privilege('erp_app', 'erp_meta.sales_currencies', 'SELECT')
        OR has_table_privilege('erp_admin', 'erp_meta.sales_currencies', 'SELECT')$$,
    'RLS enabled and forced on every sales table; no application role reads a table'
);
SELECT is_empty(
    $$SELECT t.relname, c.conname FROM sales_tables AS t JOIN pg_constraint AS c ON c.conrelid = t.oid
    WHERE c.contype IN ('p', 'u', 'f')
        AND (SELECT a.attname FROM pg_attribute AS a WHERE a.attrelid = t.oid AND a.attnum = c.conkey[1]) <> 'tenant_id'$$,
    'tenant_id is the first column of every primary key, unique constraint and foreign key'
);
SELECT is_empty(
    $$SELECT t.relname, c.conname FROM sales_tables AS t JOIN pg_constraint AS c ON c.conrelid = t.oid
    WHERE c.contype = 'f' AND c.confrelid <> 'erp.erp_tenants'::regclass
        AND (SELECT a.attname FROM pg_attribute AS a WHERE a.attrelid = c.confrelid AND a.attnum = c.confkey[1]) <> 'tenant_id'$$,
    'every foreign key references tenant_id first (or is the tenant itself)'
);
SELECT is(
    (SELECT jsonb_object_agg(c.code, c.minor_unit) FROM erp_meta.sales_currencies AS c WHERE c.code IN ('JPY', 'EUR', 'KWD', 'USD')),
    '{"JPY": 0, "EUR": 2, "KWD": 3, "USD": 2}'::jsonb,
    'currencies carry their ISO 4217 minor units'
);
SELECT is(
    (SELECT jsonb_object_agg(e.entity_type, jsonb_build_array(e.writer_prefix, e.table_name, e.verbs))
    FROM erp_meta.entity_types AS e WHERE e.entity_type LIKE 'erp.sales.%'),
    '{"erp.sales.tax": ["sales_tax", "sales_taxes", []],
      "erp.sales.settings": ["sales_settings", "sales_settings", []],
      "erp.sales.order": ["sales_order", "sales_orders", ["confirmed", "cancelled", "done"]],
      "erp.sales.order_line": ["sales_order_line", "sales_order_lines", ["delivered"]]}'::jsonb,
    'the four entity types, their writer prefixes, tables and verbs'
);

SELECT * FROM finish();
ROLLBACK;
