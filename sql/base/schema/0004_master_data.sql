-- Master data: units of measure (categories and units), partners and products.
-- Codes, SKUs, tax ids and barcodes are unique per tenant through a STORED generated key
-- (erp._code_key: trim + NFKC + lower case); records are archived (active = false), never deleted.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

CREATE TABLE erp.erp_uom_categories (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    code_key text GENERATED ALWAYS AS (erp._code_key(code)) STORED,
    name text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT erp_uom_categories_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT erp_uom_categories_code_key UNIQUE (tenant_id, code_key),
    CONSTRAINT erp_uom_categories_tenant_fkey FOREIGN KEY (tenant_id)
    REFERENCES erp.erp_tenants (id),
    CONSTRAINT erp_uom_categories_code_check CHECK (code_key <> ''),
    CONSTRAINT erp_uom_categories_name_check CHECK (btrim(name) <> '')
);
COMMENT ON TABLE erp.erp_uom_categories IS
    'Unit-of-measure categories (entity erp.base.uom_category): units convert only within one.';
COMMENT ON COLUMN erp.erp_uom_categories.code_key IS 'erp._code_key(code): the uniqueness key';
COMMENT ON CONSTRAINT erp_uom_categories_code_key ON erp.erp_uom_categories IS 'code';
COMMENT ON CONSTRAINT erp_uom_categories_code_check ON erp.erp_uom_categories IS 'code';
COMMENT ON CONSTRAINT erp_uom_categories_name_check ON erp.erp_uom_categories IS 'name';
COMMENT ON CONSTRAINT erp_uom_categories_tenant_fkey ON erp.erp_uom_categories IS 'tenant';

CREATE TABLE erp.erp_uoms (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    code_key text GENERATED ALWAYS AS (erp._code_key(code)) STORED,
    name text NOT NULL,
    category_id uuid NOT NULL,
    uom_type text NOT NULL DEFAULT 'reference',
    factor numeric NOT NULL DEFAULT 1,
    rounding numeric NOT NULL DEFAULT 0.01,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT erp_uoms_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT erp_uoms_code_key UNIQUE (tenant_id, code_key),
    CONSTRAINT erp_uoms_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT erp_uoms_category_fkey FOREIGN KEY (tenant_id, category_id)
    REFERENCES erp.erp_uom_categories (tenant_id, id),
    CONSTRAINT erp_uoms_code_check CHECK (code_key <> ''),
    CONSTRAINT erp_uoms_name_check CHECK (btrim(name) <> ''),
    CONSTRAINT erp_uoms_type_check CHECK (uom_type IN ('reference', 'bigger', 'smaller')),
    -- numeric NaN sorts above Infinity: "< 'Infinity'" rejects both
    CONSTRAINT erp_uoms_factor_check CHECK (factor > 0 AND factor < 'Infinity'),
    CONSTRAINT erp_uoms_reference_factor_check CHECK (uom_type <> 'reference' OR factor = 1),
    CONSTRAINT erp_uoms_rounding_check CHECK (rounding > 0 AND rounding < 'Infinity')
);
COMMENT ON TABLE erp.erp_uoms IS
    'Units of measure (entity erp.base.uom). Each category has exactly one active reference '
    'unit while it has active units; bigger/smaller units carry a factor relative to it.';
COMMENT ON COLUMN erp.erp_uoms.uom_type IS
    'reference | bigger | smaller: how factor relates the unit to the category''s reference unit';
COMMENT ON COLUMN erp.erp_uoms.factor IS
    'bigger: reference units in one unit (1 t = 1000 kg); smaller: units in one reference unit '
    '(1 kg = 1000 g); reference: 1';
COMMENT ON COLUMN erp.erp_uoms.rounding IS
    'rounding step of quantities in this unit (0.01, 1, 0.5, ...); erp.uom_convert rounds to it';
COMMENT ON COLUMN erp.erp_uoms.category_id IS 'fixed after creation (registry readonly column)';
COMMENT ON CONSTRAINT erp_uoms_code_key ON erp.erp_uoms IS 'code';
COMMENT ON CONSTRAINT erp_uoms_code_check ON erp.erp_uoms IS 'code';
COMMENT ON CONSTRAINT erp_uoms_name_check ON erp.erp_uoms IS 'name';
COMMENT ON CONSTRAINT erp_uoms_type_check ON erp.erp_uoms IS 'uom_type';
COMMENT ON CONSTRAINT erp_uoms_factor_check ON erp.erp_uoms IS 'factor';
COMMENT ON CONSTRAINT erp_uoms_reference_factor_check ON erp.erp_uoms IS 'factor';
COMMENT ON CONSTRAINT erp_uoms_rounding_check ON erp.erp_uoms IS 'rounding';
COMMENT ON CONSTRAINT erp_uoms_tenant_fkey ON erp.erp_uoms IS 'tenant';
COMMENT ON CONSTRAINT erp_uoms_category_fkey ON erp.erp_uoms IS 'category';

-- Backstop of "one active reference unit per category"; the functions check it first (ZE009)
-- under a lock on the category row, so callers see this index fire only in races they lost.
CREATE UNIQUE INDEX erp_uoms_one_reference_idx ON erp.erp_uoms (tenant_id, category_id)
WHERE uom_type = 'reference' AND active;
COMMENT ON INDEX erp.erp_uoms_one_reference_idx IS 'reference unit of the category';
-- units of a category (invariant checks, uom_list by category)
CREATE INDEX erp_uoms_category_idx ON erp.erp_uoms (tenant_id, category_id);

CREATE TABLE erp.erp_partners (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    code_key text GENERATED ALWAYS AS (erp._code_key(code)) STORED,
    name text NOT NULL,
    kind text NOT NULL DEFAULT 'company',
    parent_id uuid,
    email text,
    phone text,
    tax_id text,
    tax_id_key text GENERATED ALWAYS AS (erp._code_key(tax_id)) STORED,
    address jsonb NOT NULL DEFAULT '{}',
    is_customer boolean NOT NULL DEFAULT true,
    is_supplier boolean NOT NULL DEFAULT false,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT erp_partners_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT erp_partners_code_key UNIQUE (tenant_id, code_key),
    CONSTRAINT erp_partners_tax_id_key UNIQUE (tenant_id, tax_id_key),
    CONSTRAINT erp_partners_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT erp_partners_parent_fkey FOREIGN KEY (tenant_id, parent_id)
    REFERENCES erp.erp_partners (tenant_id, id),
    CONSTRAINT erp_partners_code_check CHECK (code_key <> ''),
    CONSTRAINT erp_partners_name_check CHECK (btrim(name) <> ''),
    CONSTRAINT erp_partners_kind_check CHECK (kind IN ('company', 'person')),
    CONSTRAINT erp_partners_parent_check CHECK (parent_id <> id),
    CONSTRAINT erp_partners_email_check CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    CONSTRAINT erp_partners_phone_check CHECK (btrim(phone) <> '' AND length(phone) <= 50),
    CONSTRAINT erp_partners_tax_id_check CHECK (tax_id_key <> ''),
    CONSTRAINT erp_partners_address_check CHECK (jsonb_typeof(address) = 'object')
);
COMMENT ON TABLE erp.erp_partners IS
    'Partners (entity erp.base.partner): companies and persons; a partner may belong to a '
    'parent company (no cycles).';
COMMENT ON COLUMN erp.erp_partners.kind IS 'company | person';
COMMENT ON COLUMN erp.erp_partners.parent_id IS 'the company this partner belongs to (a company)';
COMMENT ON COLUMN erp.erp_partners.tax_id IS 'VAT / tax number; unique per tenant when given';
COMMENT ON COLUMN erp.erp_partners.tax_id_key IS 'erp._code_key(tax_id): the uniqueness key';
COMMENT ON COLUMN erp.erp_partners.address IS
    'postal address as a JSON object (street, city, zip, country, ...); free-form keys';
COMMENT ON CONSTRAINT erp_partners_code_key ON erp.erp_partners IS 'code';
COMMENT ON CONSTRAINT erp_partners_tax_id_key ON erp.erp_partners IS 'tax_id';
COMMENT ON CONSTRAINT erp_partners_code_check ON erp.erp_partners IS 'code';
COMMENT ON CONSTRAINT erp_partners_name_check ON erp.erp_partners IS 'name';
COMMENT ON CONSTRAINT erp_partners_kind_check ON erp.erp_partners IS 'kind';
COMMENT ON CONSTRAINT erp_partners_parent_check ON erp.erp_partners IS 'parent_id';
COMMENT ON CONSTRAINT erp_partners_email_check ON erp.erp_partners IS 'email';
COMMENT ON CONSTRAINT erp_partners_phone_check ON erp.erp_partners IS 'phone';
COMMENT ON CONSTRAINT erp_partners_tax_id_check ON erp.erp_partners IS 'tax_id';
COMMENT ON CONSTRAINT erp_partners_address_check ON erp.erp_partners IS 'address';
COMMENT ON CONSTRAINT erp_partners_tenant_fkey ON erp.erp_partners IS 'tenant';
COMMENT ON CONSTRAINT erp_partners_parent_fkey ON erp.erp_partners IS 'parent_id';
-- contacts of a company (archive check, partner_list by parent)
CREATE INDEX erp_partners_parent_idx ON erp.erp_partners (tenant_id, parent_id)
WHERE parent_id IS NOT NULL;

CREATE TABLE erp.erp_products (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    sku text NOT NULL,
    sku_key text GENERATED ALWAYS AS (erp._code_key(sku)) STORED,
    name text NOT NULL,
    product_type text NOT NULL DEFAULT 'goods',
    uom_id uuid NOT NULL,
    purchase_uom_id uuid,
    list_price numeric NOT NULL DEFAULT 0,
    barcode text,
    barcode_key text GENERATED ALWAYS AS (erp._code_key(barcode)) STORED,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT erp_products_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT erp_products_sku_key UNIQUE (tenant_id, sku_key),
    CONSTRAINT erp_products_barcode_key UNIQUE (tenant_id, barcode_key),
    CONSTRAINT erp_products_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT erp_products_uom_fkey FOREIGN KEY (tenant_id, uom_id)
    REFERENCES erp.erp_uoms (tenant_id, id),
    CONSTRAINT erp_products_purchase_uom_fkey FOREIGN KEY (tenant_id, purchase_uom_id)
    REFERENCES erp.erp_uoms (tenant_id, id),
    CONSTRAINT erp_products_sku_check CHECK (sku_key <> ''),
    CONSTRAINT erp_products_name_check CHECK (btrim(name) <> ''),
    CONSTRAINT erp_products_type_check CHECK (product_type IN ('goods', 'service', 'consumable')),
    CONSTRAINT erp_products_price_check CHECK (list_price >= 0 AND list_price < 'Infinity'),
    CONSTRAINT erp_products_barcode_check CHECK (barcode_key <> '')
);
COMMENT ON TABLE erp.erp_products IS
    'Products (entity erp.base.product): SKU unique per tenant, optional unique barcode.';
COMMENT ON COLUMN erp.erp_products.sku_key IS 'erp._code_key(sku): the uniqueness key';
COMMENT ON COLUMN erp.erp_products.barcode_key IS 'erp._code_key(barcode): the uniqueness key';
COMMENT ON COLUMN erp.erp_products.product_type IS 'goods | service | consumable';
COMMENT ON COLUMN erp.erp_products.uom_id IS 'unit the product is sold and stocked in';
COMMENT ON COLUMN erp.erp_products.purchase_uom_id IS
    'unit it is bought in; same category as uom_id (NULL: uom_id)';
COMMENT ON CONSTRAINT erp_products_sku_key ON erp.erp_products IS 'sku';
COMMENT ON CONSTRAINT erp_products_barcode_key ON erp.erp_products IS 'barcode';
COMMENT ON CONSTRAINT erp_products_sku_check ON erp.erp_products IS 'sku';
COMMENT ON CONSTRAINT erp_products_name_check ON erp.erp_products IS 'name';
COMMENT ON CONSTRAINT erp_products_type_check ON erp.erp_products IS 'product_type';
COMMENT ON CONSTRAINT erp_products_price_check ON erp.erp_products IS 'list_price';
COMMENT ON CONSTRAINT erp_products_barcode_check ON erp.erp_products IS 'barcode';
COMMENT ON CONSTRAINT erp_products_tenant_fkey ON erp.erp_products IS 'tenant';
COMMENT ON CONSTRAINT erp_products_uom_fkey ON erp.erp_products IS 'uom_id';
COMMENT ON CONSTRAINT erp_products_purchase_uom_fkey ON erp.erp_products IS 'purchase_uom_id';
-- products of a unit (archive check of a unit, product_list by unit)
CREATE INDEX erp_products_uom_idx ON erp.erp_products (tenant_id, uom_id);
CREATE INDEX erp_products_purchase_uom_idx ON erp.erp_products (tenant_id, purchase_uom_id)
WHERE purchase_uom_id IS NOT NULL;

ALTER TABLE erp.erp_uom_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_uom_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_uom_categories_owner ON erp.erp_uom_categories TO erp_owner
USING (true) WITH CHECK (true);
ALTER TABLE erp.erp_uoms ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_uoms FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_uoms_owner ON erp.erp_uoms TO erp_owner USING (true) WITH CHECK (true);
ALTER TABLE erp.erp_partners ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_partners FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_partners_owner ON erp.erp_partners TO erp_owner USING (true) WITH CHECK (true);
ALTER TABLE erp.erp_products ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.erp_products FORCE ROW LEVEL SECURITY;
CREATE POLICY erp_products_owner ON erp.erp_products TO erp_owner USING (true) WITH CHECK (true);

INSERT INTO erp_meta.entity_types (entity_type, table_name, writer_prefix, readonly_columns)
VALUES
('erp.base.uom_category', 'erp_uom_categories', 'uom_category', '{}'),
('erp.base.uom', 'erp_uoms', 'uom', '{category_id}'),
('erp.base.partner', 'erp_partners', 'partner', '{}'),
('erp.base.product', 'erp_products', 'product', '{}');
