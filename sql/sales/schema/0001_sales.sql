-- The sales module: currencies (installation-wide reference data), taxes, per-tenant settings,
-- orders and their lines. Entities are registered so the generated writers serve them (one
-- audited event per record written); the amounts are computed by erp._sales_amounts.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- ---- currencies: ISO 4217 with minor units (reference data, the same for every tenant) ------
CREATE TABLE erp_meta.sales_currencies (
    code text NOT NULL,
    minor_unit integer NOT NULL,
    name text NOT NULL,
    CONSTRAINT sales_currencies_pkey PRIMARY KEY (code),
    CONSTRAINT sales_currencies_code_check CHECK (code ~ '^[A-Z]{3}$'),
    CONSTRAINT sales_currencies_minor_unit_check CHECK (minor_unit BETWEEN 0 AND 4)
);
COMMENT ON TABLE erp_meta.sales_currencies IS
    'ISO 4217 currencies with their minor units (JPY 0, EUR 2, KWD 3): an order''s amounts are '
    'rounded to its currency''s minor unit. Installation-wide reference data; no exchange rates.';
REVOKE ALL ON erp_meta.sales_currencies FROM PUBLIC;
INSERT INTO erp_meta.sales_currencies (code, minor_unit, name) VALUES
('AED', 2, 'UAE Dirham'),
('AFN', 2, 'Afghani'),
('ALL', 2, 'Lek'),
('AMD', 2, 'Armenian Dram'),
('ANG', 2, 'Netherlands Antillean Guilder'),
('AOA', 2, 'Kwanza'),
('ARS', 2, 'Argentine Peso'),
('AUD', 2, 'Australian Dollar'),
('AWG', 2, 'Aruban Florin'),
('AZN', 2, 'Azerbaijan Manat'),
('BAM', 2, 'Convertible Mark'),
('BBD', 2, 'Barbados Dollar'),
('BDT', 2, 'Taka'),
('BGN', 2, 'Bulgarian Lev'),
('BHD', 3, 'Bahraini Dinar'),
('BIF', 0, 'Burundi Franc'),
('BMD', 2, 'Bermudian Dollar'),
('BND', 2, 'Brunei Dollar'),
('BOB', 2, 'Boliviano'),
('BRL', 2, 'Brazilian Real'),
('BSD', 2, 'Bahamian Dollar'),
('BTN', 2, 'Ngultrum'),
('BWP', 2, 'Pula'),
('BYN', 2, 'Belarusian Ruble'),
('BZD', 2, 'Belize Dollar'),
('CAD', 2, 'Canadian Dollar'),
('CDF', 2, 'Congolese Franc'),
('CHF', 2, 'Swiss Franc'),
('CLP', 0, 'Chilean Peso'),
('CNY', 2, 'Yuan Renminbi'),
('COP', 2, 'Colombian Peso'),
('CRC', 2, 'Costa Rican Colon'),
('CUP', 2, 'Cuban Peso'),
('CVE', 2, 'Cabo Verde Escudo'),
('CZK', 2, 'Czech Koruna'),
('DJF', 0, 'Djibouti Franc'),
('DKK', 2, 'Danish Krone'),
('DOP', 2, 'Dominican Peso'),
('DZD', 2, 'Algerian Dinar'),
('EGP', 2, 'Egyptian Pound'),
('ERN', 2, 'Nakfa'),
('ETB', 2, 'Ethiopian Birr'),
('EUR', 2, 'Euro'),
('FJD', 2, 'Fiji Dollar'),
('FKP', 2, 'Falkland Islands Pound'),
('GBP', 2, 'Pound Sterling'),
('GEL', 2, 'Lari'),
('GHS', 2, 'Ghana Cedi'),
('GIP', 2, 'Gibraltar Pound'),
('GMD', 2, 'Dalasi'),
('GNF', 0, 'Guinean Franc'),
('GTQ', 2, 'Quetzal'),
('GYD', 2, 'Guyana Dollar'),
('HKD', 2, 'Hong Kong Dollar'),
('HNL', 2, 'Lempira'),
('HTG', 2, 'Gourde'),
('HUF', 2, 'Forint'),
('IDR', 2, 'Rupiah'),
('ILS', 2, 'New Israeli Sheqel'),
('INR', 2, 'Indian Rupee'),
('IQD', 3, 'Iraqi Dinar'),
('IRR', 2, 'Iranian Rial'),
('ISK', 0, 'Iceland Krona'),
('JMD', 2, 'Jamaican Dollar'),
('JOD', 3, 'Jordanian Dinar'),
('JPY', 0, 'Yen'),
('KES', 2, 'Kenyan Shilling'),
('KGS', 2, 'Som'),
('KHR', 2, 'Riel'),
('KMF', 0, 'Comorian Franc'),
('KPW', 2, 'North Korean Won'),
('KRW', 0, 'Won'),
('KWD', 3, 'Kuwaiti Dinar'),
('KYD', 2, 'Cayman Islands Dollar'),
('KZT', 2, 'Tenge'),
('LAK', 2, 'Lao Kip'),
('LBP', 2, 'Lebanese Pound'),
('LKR', 2, 'Sri Lanka Rupee'),
('LRD', 2, 'Liberian Dollar'),
('LSL', 2, 'Loti'),
('LYD', 3, 'Libyan Dinar'),
('MAD', 2, 'Moroccan Dirham'),
('MDL', 2, 'Moldovan Leu'),
('MGA', 2, 'Malagasy Ariary'),
('MKD', 2, 'Denar'),
('MMK', 2, 'Kyat'),
('MNT', 2, 'Tugrik'),
('MOP', 2, 'Pataca'),
('MRU', 2, 'Ouguiya'),
('MUR', 2, 'Mauritius Rupee'),
('MVR', 2, 'Rufiyaa'),
('MWK', 2, 'Malawi Kwacha'),
('MXN', 2, 'Mexican Peso'),
('MYR', 2, 'Malaysian Ringgit'),
('MZN', 2, 'Mozambique Metical'),
('NAD', 2, 'Namibia Dollar'),
('NGN', 2, 'Naira'),
('NIO', 2, 'Cordoba Oro'),
('NOK', 2, 'Norwegian Krone'),
('NPR', 2, 'Nepalese Rupee'),
('NZD', 2, 'New Zealand Dollar'),
('OMR', 3, 'Rial Omani'),
('PAB', 2, 'Balboa'),
('PEN', 2, 'Sol'),
('PGK', 2, 'Kina'),
('PHP', 2, 'Philippine Peso'),
('PKR', 2, 'Pakistan Rupee'),
('PLN', 2, 'Zloty'),
('PYG', 0, 'Guarani'),
('QAR', 2, 'Qatari Rial'),
('RON', 2, 'Romanian Leu'),
('RSD', 2, 'Serbian Dinar'),
('RUB', 2, 'Russian Ruble'),
('RWF', 0, 'Rwanda Franc'),
('SAR', 2, 'Saudi Riyal'),
('SBD', 2, 'Solomon Islands Dollar'),
('SCR', 2, 'Seychelles Rupee'),
('SDG', 2, 'Sudanese Pound'),
('SEK', 2, 'Swedish Krona'),
('SGD', 2, 'Singapore Dollar'),
('SHP', 2, 'Saint Helena Pound'),
('SLE', 2, 'Leone'),
('SOS', 2, 'Somali Shilling'),
('SRD', 2, 'Surinam Dollar'),
('SSP', 2, 'South Sudanese Pound'),
('STN', 2, 'Dobra'),
('SVC', 2, 'El Salvador Colon'),
('SYP', 2, 'Syrian Pound'),
('SZL', 2, 'Lilangeni'),
('THB', 2, 'Baht'),
('TJS', 2, 'Somoni'),
('TMT', 2, 'Turkmenistan New Manat'),
('TND', 3, 'Tunisian Dinar'),
('TOP', 2, 'Pa''anga'),
('TRY', 2, 'Turkish Lira'),
('TTD', 2, 'Trinidad and Tobago Dollar'),
('TWD', 2, 'New Taiwan Dollar'),
('TZS', 2, 'Tanzanian Shilling'),
('UAH', 2, 'Hryvnia'),
('UGX', 0, 'Uganda Shilling'),
('USD', 2, 'US Dollar'),
('UYI', 0, 'Uruguay Peso en Unidades Indexadas (UI)'),
('UYU', 2, 'Peso Uruguayo'),
('UYW', 4, 'Unidad Previsional'),
('UZS', 2, 'Uzbekistan Sum'),
('VED', 2, 'Bolivar Soberano'),
('VES', 2, 'Bolivar Soberano'),
('VND', 0, 'Dong'),
('VUV', 0, 'Vatu'),
('WST', 2, 'Tala'),
('XAF', 0, 'CFA Franc BEAC'),
('XCD', 2, 'East Caribbean Dollar'),
('XOF', 0, 'CFA Franc BCEAO'),
('XPF', 0, 'CFP Franc'),
('YER', 2, 'Yemeni Rial'),
('ZAR', 2, 'Rand'),
('ZMW', 2, 'Zambian Kwacha'),
('ZWG', 2, 'Zimbabwe Gold');

-- ---- taxes ----------------------------------------------------------------------------------
CREATE TABLE erp.sales_taxes (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    code_key text GENERATED ALWAYS AS (erp._code_key(code)) STORED,
    name text NOT NULL,
    rate numeric NOT NULL,
    price_include boolean NOT NULL DEFAULT false,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sales_taxes_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT sales_taxes_code_key UNIQUE (tenant_id, code_key),
    CONSTRAINT sales_taxes_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT sales_taxes_code_check CHECK (code_key <> ''),
    CONSTRAINT sales_taxes_code_limit_check CHECK (char_length(code) <= 100 AND NOT erp._has_invisible(code)),
    CONSTRAINT sales_taxes_code_ignorable_check CHECK (
        octet_length(code) = char_length(code) OR NOT erp._has_ignorable_unicode(code)
    ),
    CONSTRAINT sales_taxes_name_check CHECK (
        btrim(name) <> '' AND char_length(name) <= 500 AND NOT erp._has_invisible(name)
    ),
    CONSTRAINT sales_taxes_rate_check CHECK (rate >= 0 AND rate < 1000 AND rate = round(rate, 4))
);
COMMENT ON TABLE erp.sales_taxes IS
    'Sales taxes (entity erp.sales.tax): a rate in percent; price_include = the price already '
    'contains the tax.';
COMMENT ON COLUMN erp.sales_taxes.rate IS 'percent, 0 <= rate < 1000, at most 4 decimals';
ALTER TABLE erp.sales_taxes ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.sales_taxes FORCE ROW LEVEL SECURITY;
CREATE POLICY sales_taxes_owner ON erp.sales_taxes TO erp_owner USING (true) WITH CHECK (true);

-- ---- settings: one row per tenant, created with the defaults on first use ------------------
CREATE TABLE erp.sales_settings (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    default_currency text NOT NULL DEFAULT 'EUR',
    tax_rounding text NOT NULL DEFAULT 'per_line',
    order_sequence_code text NOT NULL DEFAULT 'SO',
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sales_settings_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT sales_settings_tenant_key UNIQUE (tenant_id),
    CONSTRAINT sales_settings_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT sales_settings_default_currency_check CHECK (default_currency ~ '^[A-Z]{3}$'),
    CONSTRAINT sales_settings_tax_rounding_check CHECK (tax_rounding IN ('per_line', 'global')),
    CONSTRAINT sales_settings_order_sequence_code_check CHECK (
        erp._code_key(order_sequence_code) <> '' AND char_length(order_sequence_code) <= 100
        AND NOT erp._has_invisible(order_sequence_code)
    )
);
COMMENT ON TABLE erp.sales_settings IS
    'Sales settings of a tenant (entity erp.sales.settings, one row per tenant): default currency, '
    'tax rounding method (per_line | global), the sequence code of order numbers.';
ALTER TABLE erp.sales_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.sales_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY sales_settings_owner ON erp.sales_settings TO erp_owner USING (true) WITH CHECK (true);

-- ---- orders ---------------------------------------------------------------------------------
CREATE TABLE erp.sales_orders (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    number text,
    partner_id uuid NOT NULL,
    currency text NOT NULL,
    order_date date NOT NULL,
    state text NOT NULL DEFAULT 'draft',
    tax_rounding text NOT NULL,
    amount_untaxed numeric NOT NULL DEFAULT 0,
    amount_tax numeric NOT NULL DEFAULT 0,
    amount_total numeric NOT NULL DEFAULT 0,
    note text,
    lines_version bigint NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sales_orders_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT sales_orders_number_key UNIQUE (tenant_id, number),
    CONSTRAINT sales_orders_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT sales_orders_partner_fkey FOREIGN KEY (tenant_id, partner_id)
        REFERENCES erp.erp_partners (tenant_id, id),
    CONSTRAINT sales_orders_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT sales_orders_order_date_check CHECK (order_date BETWEEN '0001-01-01' AND '9999-12-31'),
    CONSTRAINT sales_orders_state_check CHECK (state IN ('draft', 'confirmed', 'done', 'cancelled')),
    CONSTRAINT sales_orders_tax_rounding_check CHECK (tax_rounding IN ('per_line', 'global')),
    CONSTRAINT sales_orders_amount_total_check CHECK (amount_total = amount_untaxed + amount_tax),
    CONSTRAINT sales_orders_note_check CHECK (octet_length(note) <= 16384)
);
COMMENT ON TABLE erp.sales_orders IS
    'Sales orders (entity erp.sales.order): draft -> confirmed -> done, or cancelled; amounts '
    'stored, re-computed by every line change; number allocated at the commit of the confirmation.';
COMMENT ON COLUMN erp.sales_orders.lines_version IS
    'bumped by every change of the order''s lines, so that each line change is an order event';
CREATE INDEX sales_orders_partner_idx ON erp.sales_orders (tenant_id, partner_id);
ALTER TABLE erp.sales_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.sales_orders FORCE ROW LEVEL SECURITY;
CREATE POLICY sales_orders_owner ON erp.sales_orders TO erp_owner USING (true) WITH CHECK (true);

-- ---- order lines ----------------------------------------------------------------------------
CREATE TABLE erp.sales_order_lines (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    order_id uuid NOT NULL,
    position integer NOT NULL,
    product_id uuid NOT NULL,
    description text,
    quantity numeric NOT NULL,
    uom_id uuid NOT NULL,
    price_unit numeric NOT NULL DEFAULT 0,
    discount numeric NOT NULL DEFAULT 0,
    tax_ids uuid[] NOT NULL DEFAULT '{}',
    price_subtotal numeric NOT NULL DEFAULT 0,
    price_tax numeric NOT NULL DEFAULT 0,
    price_total numeric NOT NULL DEFAULT 0,
    qty_delivered numeric NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sales_order_lines_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT sales_order_lines_position_key UNIQUE (tenant_id, order_id, position),
    CONSTRAINT sales_order_lines_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT sales_order_lines_order_fkey FOREIGN KEY (tenant_id, order_id)
        REFERENCES erp.sales_orders (tenant_id, id),
    CONSTRAINT sales_order_lines_product_fkey FOREIGN KEY (tenant_id, product_id)
        REFERENCES erp.erp_products (tenant_id, id),
    CONSTRAINT sales_order_lines_uom_fkey FOREIGN KEY (tenant_id, uom_id)
        REFERENCES erp.erp_uoms (tenant_id, id),
    CONSTRAINT sales_order_lines_position_check CHECK (position > 0),
    CONSTRAINT sales_order_lines_description_check CHECK (
        char_length(description) <= 500 AND NOT erp._has_invisible(description)
    ),
    CONSTRAINT sales_order_lines_quantity_check CHECK (quantity > 0 AND quantity < 1e12),
    CONSTRAINT sales_order_lines_price_unit_check CHECK (price_unit >= 0 AND price_unit < 1e15),
    CONSTRAINT sales_order_lines_discount_check CHECK (discount >= 0 AND discount <= 100),
    CONSTRAINT sales_order_lines_tax_ids_check CHECK (
        cardinality(tax_ids) <= 20 AND array_position(tax_ids, NULL) IS NULL
    ),
    CONSTRAINT sales_order_lines_qty_delivered_check CHECK (qty_delivered >= 0 AND qty_delivered < 1e12)
);
COMMENT ON TABLE erp.sales_order_lines IS
    'Sales order lines (entity erp.sales.order_line): product, quantity in a unit of the '
    'product''s category, price, discount, taxes and stored amounts; qty_delivered is kept by '
    'the bridge to inventory. A removed line is archived (active = false): it stays in the trail '
    'and counts no more.';
COMMENT ON COLUMN erp.sales_order_lines.tax_ids IS
    'the line''s taxes (ids of erp.sales_taxes of the tenant), checked by the sales functions';
CREATE INDEX sales_order_lines_product_idx ON erp.sales_order_lines (tenant_id, product_id);
ALTER TABLE erp.sales_order_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.sales_order_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY sales_order_lines_owner ON erp.sales_order_lines TO erp_owner USING (true) WITH CHECK (true);

-- the field each constraint is about: the generated writers name it in their errors
INSERT INTO erp_meta.constraint_fields (table_name, constraint_name, field) VALUES
('sales_taxes', 'sales_taxes_pkey', 'id'),
('sales_taxes', 'sales_taxes_code_key', 'code'),
('sales_taxes', 'sales_taxes_tenant_fkey', 'tenant'),
('sales_taxes', 'sales_taxes_code_check', 'code'),
('sales_taxes', 'sales_taxes_code_limit_check', 'code'),
('sales_taxes', 'sales_taxes_code_ignorable_check', 'code'),
('sales_taxes', 'sales_taxes_name_check', 'name'),
('sales_taxes', 'sales_taxes_rate_check', 'rate'),
('sales_settings', 'sales_settings_pkey', 'id'),
('sales_settings', 'sales_settings_tenant_key', 'tenant'),
('sales_settings', 'sales_settings_tenant_fkey', 'tenant'),
('sales_settings', 'sales_settings_default_currency_check', 'default_currency'),
('sales_settings', 'sales_settings_tax_rounding_check', 'tax_rounding'),
('sales_settings', 'sales_settings_order_sequence_code_check', 'order_sequence_code'),
('sales_orders', 'sales_orders_pkey', 'id'),
('sales_orders', 'sales_orders_number_key', 'number'),
('sales_orders', 'sales_orders_tenant_fkey', 'tenant'),
('sales_orders', 'sales_orders_partner_fkey', 'partner_id'),
('sales_orders', 'sales_orders_currency_check', 'currency'),
('sales_orders', 'sales_orders_order_date_check', 'order_date'),
('sales_orders', 'sales_orders_state_check', 'state'),
('sales_orders', 'sales_orders_tax_rounding_check', 'tax_rounding'),
('sales_orders', 'sales_orders_amount_total_check', 'amount_total'),
('sales_orders', 'sales_orders_note_check', 'note'),
('sales_order_lines', 'sales_order_lines_pkey', 'id'),
('sales_order_lines', 'sales_order_lines_position_key', 'position'),
('sales_order_lines', 'sales_order_lines_tenant_fkey', 'tenant'),
('sales_order_lines', 'sales_order_lines_order_fkey', 'order_id'),
('sales_order_lines', 'sales_order_lines_product_fkey', 'product_id'),
('sales_order_lines', 'sales_order_lines_uom_fkey', 'uom_id'),
('sales_order_lines', 'sales_order_lines_position_check', 'position'),
('sales_order_lines', 'sales_order_lines_description_check', 'description'),
('sales_order_lines', 'sales_order_lines_quantity_check', 'quantity'),
('sales_order_lines', 'sales_order_lines_price_unit_check', 'price_unit'),
('sales_order_lines', 'sales_order_lines_discount_check', 'discount'),
('sales_order_lines', 'sales_order_lines_tax_ids_check', 'tax_ids'),
('sales_order_lines', 'sales_order_lines_qty_delivered_check', 'qty_delivered');

-- ---- the registry: the generated writers, and get/list/archive/restore for taxes -----------
INSERT INTO erp_meta.entity_types (
    entity_type, table_name, writer_prefix, readonly_columns, verbs,
    api_noun, api_functions, list_order, archive_check
) VALUES
(
    'erp.sales.tax', 'sales_taxes', 'sales_tax', '{}', '{}', 'tax',
    jsonb_build_object(
        'get', 'One sales tax, archived or not (ZE001 if missing).',
        'list', 'The tenant''s sales taxes ordered by code; archived ones only on request.',
        'archive', 'Archives a sales tax (audited); ZE005 while a draft order''s line uses it.',
        'restore', 'Restores an archived sales tax (audited).'),
    'code_key', 'erp._sales_tax_archive_check'
),
('erp.sales.settings', 'sales_settings', 'sales_settings', '{}', '{}', NULL, '{}', NULL, NULL),
(
    'erp.sales.order', 'sales_orders', 'sales_order',
    '{number,state,tax_rounding,amount_untaxed,amount_tax,amount_total,lines_version}',
    '{confirmed,cancelled,done}', NULL, '{}', NULL, NULL
),
(
    'erp.sales.order_line', 'sales_order_lines', 'sales_order_line',
    '{order_id,position,price_subtotal,price_tax,price_total,qty_delivered}',
    '{delivered}', NULL, '{}', NULL, NULL
);
SELECT erp_meta.regenerate_writers();
