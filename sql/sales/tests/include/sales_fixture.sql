-- The sales tests' master data (included with \ir after BEGIN and the base helpers; the test's
-- ROLLBACK removes everything). Tenants A and B; in A: units PCE and DOZ (category UNIT) and
-- KG (WEIGHT), products WIDGET (PCE, list price 50), SERVICE (PCE), OLD (archived), partners
-- CUST (customer), SUPP (supplier only), GONE (archived customer), taxes VAT10 / VAT10B (10 %
-- price-included), GST7 (7 % excluded), OLDTAX (archived); in B: partner CUST and tax VAT10.
-- pg_temp.id(kind, code, tenant) finds an id by code; pg_temp.sales_state() counts the sales
-- rows and events (for "nothing written" beside pg_temp.db_state()).
SELECT erp.tenant_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'Acme');
SELECT erp.tenant_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'fx', 'Bravo');

CREATE FUNCTION pg_temp.id(p_kind text, p_code text, p_tenant uuid DEFAULT 'a0000000-0000-4000-8000-00000000000a')
RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT CASE p_kind
        WHEN 'uom' THEN (SELECT u.id FROM erp.erp_uoms AS u WHERE u.tenant_id = p_tenant AND u.code = p_code)
        WHEN 'product' THEN (SELECT p.id FROM erp.erp_products AS p WHERE p.tenant_id = p_tenant AND p.sku = p_code)
        WHEN 'partner' THEN (SELECT p.id FROM erp.erp_partners AS p WHERE p.tenant_id = p_tenant AND p.code = p_code)
        WHEN 'tax' THEN (SELECT t.id FROM erp.sales_taxes AS t WHERE t.tenant_id = p_tenant AND t.code = p_code)
    END
$fn$;

SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'UNIT', 'Units');
SELECT erp.uom_category_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'WEIGHT', 'Weight');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'PCE', 'Piece', 'UNIT');
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'DOZ', 'Dozen', 'UNIT', 'bigger', 12, 1);
SELECT erp.uom_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'KG', 'Kilogram', 'WEIGHT');
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'WIDGET', 'Widget',
    pg_temp.id('uom', 'PCE'), p_list_price => 50);
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'SERVICE', 'Service',
    pg_temp.id('uom', 'PCE'), 'service', 10);
SELECT erp.product_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'OLD', 'Old product',
    pg_temp.id('uom', 'PCE'), p_list_price => 1);
SELECT erp.product_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', pg_temp.id('product', 'OLD'));
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'CUST', 'Customer');
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'SUPP', 'Supplier',
    p_is_customer => false, p_is_supplier => true);
SELECT erp.partner_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'GONE', 'Gone');
SELECT erp.partner_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', pg_temp.id('partner', 'GONE'));
SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'VAT10', 'VAT 10 % incl.', 10, true);
SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'VAT10B', 'Levy 10 % incl.', 10, true);
SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'GST7', 'GST 7 %', 7);
SELECT erp.sales_tax_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', 'OLDTAX', 'Old tax', 5);
SELECT erp.sales_tax_archive('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'fx', pg_temp.id('tax', 'OLDTAX'));
SELECT erp.partner_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'fx', 'CUST', 'B customer');
SELECT erp.sales_tax_create('b0000000-0000-4000-8000-00000000000b', NULL, 'SYSTEM', 'fx', 'VAT10', 'B VAT', 10);

-- a line object of tenant A's product p_sku
CREATE FUNCTION pg_temp.line(p_sku text, p_quantity numeric, p_extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql STABLE
AS $fn$
    SELECT jsonb_build_object('product_id', pg_temp.id('product', p_sku), 'quantity', p_quantity) || p_extra
$fn$;

-- a draft order of tenant A for CUST with the given lines; returns its id
CREATE FUNCTION pg_temp.order_of(p_lines jsonb, p_currency text DEFAULT NULL) RETURNS uuid
LANGUAGE sql
AS $fn$
    SELECT (erp.sales_order_create('a0000000-0000-4000-8000-00000000000a', NULL, 'SYSTEM', 'test',
        pg_temp.id('partner', 'CUST'), NULL, p_currency, p_lines) ->> 'id')::uuid
$fn$;

-- the order's JSON (tenant A)
CREATE FUNCTION pg_temp.o(p_id uuid) RETURNS jsonb
LANGUAGE sql STABLE
AS $fn$
    SELECT erp.sales_order_get('a0000000-0000-4000-8000-00000000000a', p_id)
$fn$;
