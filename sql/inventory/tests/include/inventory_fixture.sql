-- Shared by the inventory pgTAP files (\ir after BEGIN; everything lives in the test's
-- transaction): base's helpers (pg_temp.refused: SQLSTATE and nothing written), two tenants,
-- units, products, tenant A's default locations, and shorthands for the calls the tests make.
\ir ../../../base/tests/include/core_helpers.sql

SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'Acme');
SELECT erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'fixture', 'Other');
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'UNIT', 'Units');
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'VOL', 'Volume');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'PCS', 'Pieces', 'UNIT', 'reference', 1, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'DZ', 'Dozen', 'UNIT', 'bigger', 12, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'L', 'Litre', 'VOL', 'reference', 1, 0.001);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'ML', 'Millilitre', 'VOL', 'smaller', 1000, 1);

-- ids by code (test shorthand)
CREATE FUNCTION pg_temp.uom(p_code text) RETURNS uuid LANGUAGE sql STABLE AS $fn$
    SELECT u.id FROM erp.erp_uoms AS u
    WHERE u.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND u.code_key = erp._code_key(p_code)
$fn$;
CREATE FUNCTION pg_temp.product(p_sku text) RETURNS uuid LANGUAGE sql STABLE AS $fn$
    SELECT p.id FROM erp.erp_products AS p
    WHERE p.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND p.sku_key = erp._code_key(p_sku)
$fn$;
CREATE FUNCTION pg_temp.loc(p_code text) RETURNS uuid LANGUAGE sql STABLE AS $fn$
    SELECT l.id FROM erp.inventory_locations AS l
    WHERE l.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND l.code_key = erp._code_key(p_code)
$fn$;

SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'W1', 'Widget', pg_temp.uom('PCS'));
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'W2', 'Gadget', pg_temp.uom('PCS'));
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'OIL', 'Oil', pg_temp.uom('L'));
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'BAG', 'Paper bag',
    pg_temp.uom('PCS'), 'consumable');
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture', 'FIT', 'Fitting',
    pg_temp.uom('PCS'), 'service');
SELECT erp.inventory_setup('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fixture');

-- a picking of tenant A with moves [[sku, quantity, unit?], ...]; returns its id
CREATE FUNCTION pg_temp.pick(p_kind text, p_moves jsonb, p_confirm boolean DEFAULT true) RETURNS uuid
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id uuid;
BEGIN
    v_id := (erp.inventory_picking_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'test', p_kind,
        (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('product_id', pg_temp.product(m ->> 0),
            'quantity', m -> 1, 'uom_id', pg_temp.uom(m ->> 2))) ORDER BY n)
         FROM jsonb_array_elements(p_moves) WITH ORDINALITY AS j (m, n))) ->> 'id')::uuid;
    IF p_confirm THEN
        PERFORM erp.inventory_picking_confirm('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'test', v_id);
    END IF;
    RETURN v_id;
END
$fn$;
-- receives a quantity of a product into STOCK (a validated receipt)
CREATE FUNCTION pg_temp.receive(p_sku text, p_qty numeric) RETURNS uuid LANGUAGE plpgsql AS $fn$
DECLARE
    v_id uuid := pg_temp.pick('receipt', jsonb_build_array(jsonb_build_array(p_sku, p_qty)));
BEGIN
    PERFORM erp.inventory_picking_validate('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'test', v_id);
    RETURN v_id;
END
$fn$;
-- the ids of a picking's moves in position order
CREATE FUNCTION pg_temp.moves(p_picking uuid) RETURNS uuid[] LANGUAGE sql STABLE AS $fn$
    SELECT array_agg(m.id ORDER BY m.position) FROM erp.inventory_moves AS m
    WHERE m.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND m.picking_id = p_picking
$fn$;
-- "on_hand/reserved" of a product in a location (the balance row; 'none' when there is none)
CREATE FUNCTION pg_temp.bal(p_sku text, p_loc text) RETURNS text LANGUAGE sql STABLE AS $fn$
    SELECT coalesce((SELECT b.on_hand::text || '/' || b.reserved::text FROM erp.inventory_balances AS b
        WHERE b.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND b.product_id = pg_temp.product(p_sku)
            AND b.location_id = pg_temp.loc(p_loc)), 'none')
$fn$;
-- a picking's state and its moves' "state:quantity:product_qty:reserved_qty" in position order
CREATE FUNCTION pg_temp.shape(p_picking uuid) RETURNS text LANGUAGE sql STABLE AS $fn$
    SELECT p.state || ' ' || coalesce((SELECT string_agg(m.state || ':' || m.quantity || ':' || m.product_qty || ':'
        || m.reserved_qty, ' ' ORDER BY m.position) FROM erp.inventory_moves AS m
        WHERE m.tenant_id = p.tenant_id AND m.picking_id = p.id), '')
    FROM erp.inventory_pickings AS p
    WHERE p.tenant_id = 'a0000000-0000-4000-8000-00000000000a' AND p.id = p_picking
$fn$;
-- the SQLSTATE and DETAIL of the error a statement raises (NULL when it raises none)
CREATE FUNCTION pg_temp.detail(p_sql text) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    v_detail text;
BEGIN
    EXECUTE p_sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ' ' || v_detail;
END
$fn$;
