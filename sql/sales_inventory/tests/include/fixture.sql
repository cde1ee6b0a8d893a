-- The bridge's pgTAP fixture (included with \ir after BEGIN; everything lives in pg_temp or in
-- the test's transaction, so its ROLLBACK removes it). Tenant T = c0000000-…-00c with units PC
-- and DZ (12 PC), customer C1, products BOOK (goods), SOAP (consumable), SETUP (service). The
-- tenant has no stock locations yet: a test calls pg_temp.setup() or lets a confirmation do it.
\ir ../../../base/tests/include/core_helpers.sql

SELECT erp.tenant_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture', 'Bridge Co');
SELECT erp.uom_category_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture', 'UNIT', 'Units');
SELECT erp.uom_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture', 'PC', 'Piece', 'UNIT',
    p_rounding => 1);
SELECT erp.uom_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture', 'DZ', 'Dozen', 'UNIT',
    'bigger', 12, 1);

CREATE FUNCTION pg_temp.u(p_code text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT u.id FROM erp.erp_uoms AS u
    WHERE u.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND u.code_key = erp._code_key(p_code)
$fn$;
CREATE FUNCTION pg_temp.p(p_sku text) RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT p.id FROM erp.erp_products AS p
    WHERE p.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND p.sku_key = erp._code_key(p_sku)
$fn$;

SELECT erp.partner_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture', 'C1', 'Customer One');
SELECT erp.product_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture', s.sku, s.sku,
    pg_temp.u('PC'), s.kind, 10)
FROM (VALUES ('BOOK', 'goods'), ('SOAP', 'consumable'), ('SETUP', 'service')) AS s (sku, kind);

-- the tenant's default locations (inventory_setup is idempotent): 'stock', 'customers', …
CREATE FUNCTION pg_temp.setup() RETURNS jsonb
LANGUAGE sql
AS $fn$
    SELECT erp.inventory_setup('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture')
$fn$;
CREATE FUNCTION pg_temp.loc(p_which text) RETURNS uuid
LANGUAGE sql
AS $fn$
    SELECT (pg_temp.setup() #>> ARRAY[p_which, 'id'])::uuid
$fn$;

-- p_quantity of p_sku counted in the stock location
CREATE FUNCTION pg_temp.stock(p_sku text, p_quantity numeric) RETURNS void
LANGUAGE sql
AS $fn$
    SELECT erp.inventory_adjust('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture',
        pg_temp.loc('stock'), jsonb_build_array(jsonb_build_object('product_id', pg_temp.p(p_sku),
            'quantity', p_quantity)))
$fn$;

-- a draft order of C1; p_lines: [[sku, quantity, unit code], …]
CREATE FUNCTION pg_temp.order_of(p_lines text[]) RETURNS uuid
LANGUAGE sql
AS $fn$
    SELECT (erp.sales_order_create('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'fixture',
        (SELECT p.id FROM erp.erp_partners AS p
         WHERE p.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND p.code = 'C1'),
        p_currency => 'EUR',
        p_lines => (SELECT jsonb_agg(jsonb_build_object('product_id', pg_temp.p(p_lines[i][1]),
                'quantity', p_lines[i][2]::numeric, 'uom_id', pg_temp.u(p_lines[i][3]), 'price_unit', 10)
                ORDER BY i)
            FROM generate_subscripts(p_lines, 1) AS i)) ->> 'id')::uuid
$fn$;

CREATE FUNCTION pg_temp.confirm(p_order_id uuid) RETURNS void
LANGUAGE sql
AS $fn$
    SELECT erp.sales_order_confirm('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'confirm', p_order_id)
$fn$;

CREATE FUNCTION pg_temp.order_get(p_order_id uuid) RETURNS jsonb
LANGUAGE sql
AS $fn$
    SELECT erp.sales_order_get('c0000000-0000-4000-8000-00000000000c', p_order_id)
$fn$;

-- "state: qty_delivered of each line in position order", e.g. 'confirmed: 1 0 0'
CREATE FUNCTION pg_temp.delivered(p_order_id uuid) RETURNS text
LANGUAGE sql
AS $fn$
    SELECT (o ->> 'state') || ':' || (SELECT string_agg(' ' || (l.line ->> 'qty_delivered')::numeric::text, ''
            ORDER BY l.n)
        FROM jsonb_array_elements(o -> 'lines') WITH ORDINALITY AS l (line, n))
    FROM pg_temp.order_get(p_order_id) AS o
$fn$;

-- the delivery pickings of an order, oldest first (the first is the bridge's, then backorders)
CREATE FUNCTION pg_temp.deliveries(p_order_id uuid) RETURNS uuid[]
LANGUAGE sql
AS $fn$
    SELECT coalesce(array_agg(p.id ORDER BY p.created_at, p.id), '{}')
    FROM erp.inventory_pickings AS p
    WHERE p.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND p.origin_type = 'erp.sales.order'
        AND p.origin_id = p_order_id
$fn$;

CREATE FUNCTION pg_temp.picking(p_picking_id uuid) RETURNS jsonb
LANGUAGE sql
AS $fn$
    SELECT erp.inventory_picking_get('c0000000-0000-4000-8000-00000000000c', p_picking_id)
$fn$;

-- "sku quantity unit state reserved" of each move of a picking, in position order
CREATE FUNCTION pg_temp.moves(p_picking_id uuid) RETURNS text[]
LANGUAGE sql
AS $fn$
    SELECT array_agg(format('%s %s %s %s %s', pr.sku, (m.move ->> 'quantity')::numeric, u.code, m.move ->> 'state',
            (m.move ->> 'reserved_qty')::numeric) ORDER BY m.n)
    FROM jsonb_array_elements(pg_temp.picking(p_picking_id) -> 'moves') WITH ORDINALITY AS m (move, n)
    INNER JOIN erp.erp_products AS pr
        ON pr.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND pr.id = (m.move ->> 'product_id')::uuid
    INNER JOIN erp.erp_uoms AS u
        ON u.tenant_id = 'c0000000-0000-4000-8000-00000000000c' AND u.id = (m.move ->> 'uom_id')::uuid
$fn$;

-- the move id of p_sku in a picking
CREATE FUNCTION pg_temp.move_of(p_picking_id uuid, p_sku text) RETURNS text
LANGUAGE sql
AS $fn$
    SELECT m.move ->> 'id'
    FROM jsonb_array_elements(pg_temp.picking(p_picking_id) -> 'moves') AS m (move)
    WHERE (m.move ->> 'product_id')::uuid = pg_temp.p(p_sku)
$fn$;

CREATE FUNCTION pg_temp.reserve(p_picking_id uuid) RETURNS jsonb
LANGUAGE sql
AS $fn$
    SELECT erp.inventory_picking_reserve('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'reserve',
        p_picking_id)
$fn$;

-- validates a picking; p_done: {sku: quantity} (NULL: everything)
CREATE FUNCTION pg_temp.validate(p_picking_id uuid, p_done jsonb DEFAULT NULL, p_backorder boolean DEFAULT true)
RETURNS jsonb
LANGUAGE sql
AS $fn$
    SELECT erp.inventory_picking_validate('c0000000-0000-4000-8000-00000000000c', NULL, 'SYSTEM', 'validate',
        p_picking_id,
        (SELECT jsonb_object_agg(pg_temp.move_of(p_picking_id, d.key), d.value) FROM jsonb_each(p_done) AS d),
        p_backorder)
$fn$;

-- on hand and reserved of p_sku over the tenant's internal locations, e.g. '10/4'
CREATE FUNCTION pg_temp.on_hand(p_sku text) RETURNS text
LANGUAGE sql
AS $fn$
    SELECT h.on_hand::numeric || '/' || h.reserved::numeric
    FROM erp.inventory_on_hand('c0000000-0000-4000-8000-00000000000c', pg_temp.p(p_sku)) AS h
$fn$;

-- the verb of each event of an entity, oldest first
CREATE FUNCTION pg_temp.verbs(p_entity_type text, p_id uuid) RETURNS text[]
LANGUAGE sql
AS $fn$
    SELECT array_agg(regexp_replace(h.event_type, '^.*\.', '') ORDER BY h.entity_version)
    FROM erp.audit_history('c0000000-0000-4000-8000-00000000000c', p_entity_type, p_id) AS h
$fn$;

-- the p_n-th delivery of an order (1: the bridge's, 2: its backorder, …)
CREATE FUNCTION pg_temp.delivery(p_order_id uuid, p_n integer) RETURNS uuid
LANGUAGE sql
AS $fn$
    SELECT (pg_temp.deliveries(p_order_id))[p_n]
$fn$;
