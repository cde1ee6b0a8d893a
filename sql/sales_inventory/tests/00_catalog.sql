-- The bridge's security contract, read from the catalog: its hooks are registered, its
-- functions are the module's own and private (no role but the owner executes them; a public one
-- would be SECURITY DEFINER with a pinned search_path), its tables have row-level security
-- enabled and forced, an owner policy, and tenant_id first in every key and foreign key.
BEGIN;
SELECT plan(9);

SELECT is(
    (SELECT array_agg(format('%s %s %s', h.hook, h.function, h.position) ORDER BY h.hook)
    FROM erp_meta.hooks AS h WHERE h.module = 'sales_inventory'),
    ARRAY['erp.inventory.picking.done erp._sales_inventory_on_picking_done(uuid,jsonb) 100',
        'erp.sales.order.cancel erp._sales_inventory_on_order_cancel(uuid,jsonb) 100',
        'erp.sales.order.confirm erp._sales_inventory_on_order_confirm(uuid,jsonb) 100'],
    'the three hooks are registered by the module'
);

CREATE TEMP VIEW module_functions AS
SELECT to_regprocedure(m.signature) AS oid, m.signature, p.proname, p.prosecdef, p.proconfig
FROM erp_meta.function_manifest AS m
INNER JOIN pg_catalog.pg_proc AS p ON p.oid = to_regprocedure(m.signature)
WHERE m.module = 'sales_inventory';

SELECT is(
    (SELECT array_agg(f.signature ORDER BY f.signature) FROM module_functions AS f),
    ARRAY['erp._sales_inventory_line_qty(uuid,numeric,uuid,uuid)',
        'erp._sales_inventory_on_order_cancel(uuid,jsonb)',
        'erp._sales_inventory_on_order_confirm(uuid,jsonb)',
        'erp._sales_inventory_on_picking_done(uuid,jsonb)'],
    'the module''s functions, from its files'
);
SELECT is(
    (SELECT count(*) FROM module_functions AS f, unnest(ARRAY['erp_app', 'erp_admin', 'erp_auditor']) AS r (role)
    WHERE has_function_privilege(r.role, f.oid, 'EXECUTE')),
    0::bigint,
    'erp_app (and erp_admin, erp_auditor) may execute none of the bridge''s functions: it has no public API'
);
SELECT is(
    (SELECT count(*) FROM module_functions AS f, aclexplode(coalesce(
        (SELECT p.proacl FROM pg_catalog.pg_proc AS p WHERE p.oid = f.oid), '{}')) AS a
    WHERE a.grantee = 0),
    0::bigint,
    'PUBLIC executes nothing of the module'
);
SELECT is(
    (SELECT count(*) FROM module_functions AS f
    WHERE f.proname !~ '^_' AND NOT (f.prosecdef AND f.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'])),
    0::bigint,
    'every public function of the module is SECURITY DEFINER with a pinned search_path'
);

CREATE TEMP VIEW module_tables AS
SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity, c.relowner
FROM pg_catalog.pg_class AS c
WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname ~ '^sales_inventory_';

SELECT is(
    (SELECT array_agg(t.relname::text ORDER BY t.relname) FROM module_tables AS t
    WHERE t.relrowsecurity AND t.relforcerowsecurity AND t.relowner = 'erp_owner'::regrole),
    ARRAY['sales_inventory_move_lines'],
    'the module''s tables: owned by erp_owner, row-level security enabled and forced'
);
SELECT is(
    (SELECT count(*) FROM module_tables AS t
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy AS pol
        WHERE pol.polrelid = t.oid AND pol.polroles = ARRAY['erp_owner'::regrole::oid])),
    0::bigint,
    'every table of the module has its owner policy'
);
SELECT is(
    (SELECT array_agg(con.conname::text ORDER BY con.conname)
    FROM module_tables AS t
    INNER JOIN pg_catalog.pg_constraint AS con ON t.oid = con.conrelid AND con.contype IN ('p', 'u', 'f')
    WHERE (SELECT a.attname FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = t.oid AND a.attnum = con.conkey[1]) <> 'tenant_id'
        OR (con.contype = 'f' AND (SELECT a.attname FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = con.confrelid AND a.attnum = con.confkey[1]) <> 'tenant_id')),
    NULL,
    'tenant_id leads every key and foreign key of the module (and the referenced key)'
);
SELECT is(
    (SELECT count(*) FROM module_tables AS t
    INNER JOIN pg_catalog.pg_constraint AS con ON t.oid = con.conrelid AND con.contype IN ('p', 'f')),
    4::bigint,
    'the link table: its key and its three foreign keys (move, order line, order)'
);

SELECT * FROM finish();
ROLLBACK;
