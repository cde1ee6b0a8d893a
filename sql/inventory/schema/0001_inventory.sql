-- erp.inventory: stock locations (a tree), pickings and moves (entities, audited through the
-- generated writers) and the balances per (product, location), a derived table kept by the
-- operations that finish moves and proven equal to the ledger of done moves by
-- erp.inventory_verify.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

CREATE TABLE erp.inventory_locations (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    code_key text GENERATED ALWAYS AS (erp._code_key(code)) STORED,
    name text NOT NULL,
    usage text NOT NULL,
    parent_id uuid,
    role text,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_locations_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT inventory_locations_code_key UNIQUE (tenant_id, code_key),
    CONSTRAINT inventory_locations_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES erp.erp_tenants (id),
    CONSTRAINT inventory_locations_parent_fkey FOREIGN KEY (tenant_id, parent_id)
    REFERENCES erp.inventory_locations (tenant_id, id),
    CONSTRAINT inventory_locations_code_check CHECK (code_key <> ''),
    CONSTRAINT inventory_locations_code_limit_check CHECK (char_length(code) <= 100 AND NOT erp._has_invisible(code)),
    CONSTRAINT inventory_locations_code_ignorable_check
    CHECK (octet_length(code) = char_length(code) OR NOT erp._has_ignorable_unicode(code)),
    CONSTRAINT inventory_locations_name_check CHECK (btrim(name) <> ''),
    CONSTRAINT inventory_locations_name_limit_check CHECK (char_length(name) <= 500 AND NOT erp._has_invisible(name)),
    CONSTRAINT inventory_locations_usage_check
    CHECK (usage IN ('internal', 'view', 'supplier', 'customer', 'inventory', 'transit')),
    CONSTRAINT inventory_locations_parent_check CHECK (parent_id <> id),
    CONSTRAINT inventory_locations_role_check CHECK (role IN ('stock', 'suppliers', 'customers', 'inventory'))
);
COMMENT ON TABLE erp.inventory_locations IS
    'Stock locations (entity erp.inventory.location): a tree per tenant; internal and transit '
    'locations hold reservable stock, the others are the outside world seen from the stock.';
COMMENT ON COLUMN erp.inventory_locations.usage IS
    'internal | view (groups others, holds nothing) | supplier | customer | inventory (losses and '
    'gains of counts) | transit; fixed at creation';
COMMENT ON COLUMN erp.inventory_locations.role IS
    'the tenant default this location is (stock | suppliers | customers | inventory), set by '
    'erp.inventory_setup; at most one location per role and tenant';
COMMENT ON CONSTRAINT inventory_locations_pkey ON erp.inventory_locations IS 'id';
COMMENT ON CONSTRAINT inventory_locations_code_key ON erp.inventory_locations IS 'code';
COMMENT ON CONSTRAINT inventory_locations_code_check ON erp.inventory_locations IS 'code';
COMMENT ON CONSTRAINT inventory_locations_code_limit_check ON erp.inventory_locations IS 'code';
COMMENT ON CONSTRAINT inventory_locations_code_ignorable_check ON erp.inventory_locations IS 'code';
COMMENT ON CONSTRAINT inventory_locations_name_check ON erp.inventory_locations IS 'name';
COMMENT ON CONSTRAINT inventory_locations_name_limit_check ON erp.inventory_locations IS 'name';
COMMENT ON CONSTRAINT inventory_locations_usage_check ON erp.inventory_locations IS 'usage';
COMMENT ON CONSTRAINT inventory_locations_parent_check ON erp.inventory_locations IS 'parent_id';
COMMENT ON CONSTRAINT inventory_locations_role_check ON erp.inventory_locations IS 'role';
COMMENT ON CONSTRAINT inventory_locations_parent_fkey ON erp.inventory_locations IS 'parent_id';
COMMENT ON CONSTRAINT inventory_locations_tenant_fkey ON erp.inventory_locations IS 'tenant';
CREATE UNIQUE INDEX inventory_locations_role_key ON erp.inventory_locations (tenant_id, role)
WHERE role IS NOT NULL;
CREATE INDEX inventory_locations_parent_idx ON erp.inventory_locations (tenant_id, parent_id)
WHERE parent_id IS NOT NULL;

CREATE TABLE erp.inventory_pickings (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    number text,
    kind text NOT NULL,
    partner_id uuid,
    from_location_id uuid NOT NULL,
    to_location_id uuid NOT NULL,
    state text NOT NULL DEFAULT 'draft',
    origin text,
    origin_type text,
    origin_id uuid,
    backorder_of_id uuid,
    done_at timestamptz,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_pickings_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT inventory_pickings_number_key UNIQUE (tenant_id, number),
    CONSTRAINT inventory_pickings_partner_fkey FOREIGN KEY (tenant_id, partner_id)
    REFERENCES erp.erp_partners (tenant_id, id),
    CONSTRAINT inventory_pickings_from_fkey FOREIGN KEY (tenant_id, from_location_id)
    REFERENCES erp.inventory_locations (tenant_id, id),
    CONSTRAINT inventory_pickings_to_fkey FOREIGN KEY (tenant_id, to_location_id)
    REFERENCES erp.inventory_locations (tenant_id, id),
    CONSTRAINT inventory_pickings_backorder_fkey FOREIGN KEY (tenant_id, backorder_of_id)
    REFERENCES erp.inventory_pickings (tenant_id, id),
    CONSTRAINT inventory_pickings_kind_check CHECK (kind IN ('receipt', 'delivery', 'internal')),
    CONSTRAINT inventory_pickings_state_check
    CHECK (state IN ('draft', 'confirmed', 'assigned', 'done', 'cancelled')),
    CONSTRAINT inventory_pickings_origin_check CHECK (char_length(origin) <= 500),
    CONSTRAINT inventory_pickings_origin_type_check
    CHECK ((origin_type IS NULL) = (origin_id IS NULL) AND char_length(origin_type) <= 100),
    CONSTRAINT inventory_pickings_done_check CHECK ((state = 'done') = (done_at IS NOT NULL))
);
COMMENT ON TABLE erp.inventory_pickings IS
    'Pickings (entity erp.inventory.picking): a receipt, delivery or internal transfer grouping '
    'moves; numbered (IN/…, OUT/…, INT/…) when the validating transaction commits.';
COMMENT ON COLUMN erp.inventory_pickings.state IS 'draft | confirmed | assigned | done | cancelled';
COMMENT ON COLUMN erp.inventory_pickings.origin_type IS
    'entity type of the document that caused the picking (e.g. erp.sales.order); with origin_id';
COMMENT ON COLUMN erp.inventory_pickings.backorder_of_id IS
    'the picking whose undone rest this picking carries';
COMMENT ON CONSTRAINT inventory_pickings_pkey ON erp.inventory_pickings IS 'id';
COMMENT ON CONSTRAINT inventory_pickings_number_key ON erp.inventory_pickings IS 'number';
COMMENT ON CONSTRAINT inventory_pickings_kind_check ON erp.inventory_pickings IS 'kind';
COMMENT ON CONSTRAINT inventory_pickings_state_check ON erp.inventory_pickings IS 'state';
COMMENT ON CONSTRAINT inventory_pickings_origin_check ON erp.inventory_pickings IS 'origin';
COMMENT ON CONSTRAINT inventory_pickings_origin_type_check ON erp.inventory_pickings IS 'origin_type';
COMMENT ON CONSTRAINT inventory_pickings_done_check ON erp.inventory_pickings IS 'done_at';
COMMENT ON CONSTRAINT inventory_pickings_partner_fkey ON erp.inventory_pickings IS 'partner_id';
COMMENT ON CONSTRAINT inventory_pickings_from_fkey ON erp.inventory_pickings IS 'from_location_id';
COMMENT ON CONSTRAINT inventory_pickings_to_fkey ON erp.inventory_pickings IS 'to_location_id';
COMMENT ON CONSTRAINT inventory_pickings_backorder_fkey ON erp.inventory_pickings IS 'backorder_of_id';
-- inventory_picking_list: by state, by origin (the bridge finds an order's deliveries)
CREATE INDEX inventory_pickings_state_idx ON erp.inventory_pickings (tenant_id, state, id);
CREATE INDEX inventory_pickings_origin_idx ON erp.inventory_pickings (tenant_id, origin_type, origin_id)
WHERE origin_id IS NOT NULL;

CREATE TABLE erp.inventory_moves (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    picking_id uuid,
    position integer NOT NULL DEFAULT 1,
    product_id uuid NOT NULL,
    quantity numeric NOT NULL,
    uom_id uuid NOT NULL,
    product_qty numeric NOT NULL,
    reserved_qty numeric NOT NULL DEFAULT 0,
    from_location_id uuid NOT NULL,
    to_location_id uuid NOT NULL,
    state text NOT NULL DEFAULT 'draft',
    origin text,
    split_from_id uuid,
    done_at timestamptz,
    active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_moves_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT inventory_moves_position_key UNIQUE (tenant_id, picking_id, position),
    CONSTRAINT inventory_moves_picking_fkey FOREIGN KEY (tenant_id, picking_id)
    REFERENCES erp.inventory_pickings (tenant_id, id),
    CONSTRAINT inventory_moves_product_fkey FOREIGN KEY (tenant_id, product_id)
    REFERENCES erp.erp_products (tenant_id, id),
    CONSTRAINT inventory_moves_uom_fkey FOREIGN KEY (tenant_id, uom_id)
    REFERENCES erp.erp_uoms (tenant_id, id),
    CONSTRAINT inventory_moves_from_fkey FOREIGN KEY (tenant_id, from_location_id)
    REFERENCES erp.inventory_locations (tenant_id, id),
    CONSTRAINT inventory_moves_to_fkey FOREIGN KEY (tenant_id, to_location_id)
    REFERENCES erp.inventory_locations (tenant_id, id),
    CONSTRAINT inventory_moves_split_fkey FOREIGN KEY (tenant_id, split_from_id)
    REFERENCES erp.inventory_moves (tenant_id, id),
    CONSTRAINT inventory_moves_quantity_check CHECK (quantity > 0 AND quantity < 1e15),
    CONSTRAINT inventory_moves_product_qty_check CHECK (product_qty > 0 AND product_qty < 1e15),
    CONSTRAINT inventory_moves_reserved_check CHECK (reserved_qty >= 0 AND reserved_qty <= product_qty),
    CONSTRAINT inventory_moves_locations_check CHECK (from_location_id <> to_location_id),
    CONSTRAINT inventory_moves_state_check CHECK (
        state IN ('draft', 'confirmed', 'partially_available', 'assigned', 'done', 'cancelled')
    ),
    CONSTRAINT inventory_moves_done_check CHECK ((state = 'done') = (done_at IS NOT NULL)),
    CONSTRAINT inventory_moves_closed_check CHECK (state NOT IN ('done', 'cancelled', 'draft') OR reserved_qty = 0),
    CONSTRAINT inventory_moves_origin_check CHECK (char_length(origin) <= 500)
);
COMMENT ON TABLE erp.inventory_moves IS
    'Stock moves (entity erp.inventory.move): a quantity of a product from one location to '
    'another. Done moves are the ledger: immutable, each one audited event; balances derive from them.';
COMMENT ON COLUMN erp.inventory_moves.quantity IS 'demand (done: what was done) in uom_id';
COMMENT ON COLUMN erp.inventory_moves.product_qty IS
    'quantity in the product''s unit, rounded half-up at that unit''s rounding';
COMMENT ON COLUMN erp.inventory_moves.reserved_qty IS
    'what is reserved for this move at its source (product unit; rounded down)';
COMMENT ON COLUMN erp.inventory_moves.state IS
    'draft | confirmed | partially_available | assigned | done | cancelled';
COMMENT ON COLUMN erp.inventory_moves.split_from_id IS
    'the move whose undone rest this (backorder) move carries';
COMMENT ON COLUMN erp.inventory_moves.done_at IS 'when the move was done (the ledger''s time)';
COMMENT ON CONSTRAINT inventory_moves_pkey ON erp.inventory_moves IS 'id';
COMMENT ON CONSTRAINT inventory_moves_position_key ON erp.inventory_moves IS 'position';
COMMENT ON CONSTRAINT inventory_moves_quantity_check ON erp.inventory_moves IS 'quantity';
COMMENT ON CONSTRAINT inventory_moves_product_qty_check ON erp.inventory_moves IS 'product_qty';
COMMENT ON CONSTRAINT inventory_moves_reserved_check ON erp.inventory_moves IS 'reserved_qty';
COMMENT ON CONSTRAINT inventory_moves_locations_check ON erp.inventory_moves IS 'to_location_id';
COMMENT ON CONSTRAINT inventory_moves_state_check ON erp.inventory_moves IS 'state';
COMMENT ON CONSTRAINT inventory_moves_done_check ON erp.inventory_moves IS 'done_at';
COMMENT ON CONSTRAINT inventory_moves_closed_check ON erp.inventory_moves IS 'reserved_qty';
COMMENT ON CONSTRAINT inventory_moves_origin_check ON erp.inventory_moves IS 'origin';
COMMENT ON CONSTRAINT inventory_moves_picking_fkey ON erp.inventory_moves IS 'picking_id';
COMMENT ON CONSTRAINT inventory_moves_product_fkey ON erp.inventory_moves IS 'product_id';
COMMENT ON CONSTRAINT inventory_moves_uom_fkey ON erp.inventory_moves IS 'uom_id';
COMMENT ON CONSTRAINT inventory_moves_from_fkey ON erp.inventory_moves IS 'from_location_id';
COMMENT ON CONSTRAINT inventory_moves_to_fkey ON erp.inventory_moves IS 'to_location_id';
COMMENT ON CONSTRAINT inventory_moves_split_fkey ON erp.inventory_moves IS 'split_from_id';
-- the ledger: done moves of a product in and out of locations, up to a time (on hand as of)
CREATE INDEX inventory_moves_done_from_idx ON erp.inventory_moves (tenant_id, product_id, from_location_id, done_at)
WHERE state = 'done';
CREATE INDEX inventory_moves_done_to_idx ON erp.inventory_moves (tenant_id, product_id, to_location_id, done_at)
WHERE state = 'done';
-- open reservations (verify), moves of a location (archive check)
CREATE INDEX inventory_moves_open_idx ON erp.inventory_moves (tenant_id, product_id, from_location_id)
WHERE state IN ('confirmed', 'partially_available', 'assigned');
CREATE INDEX inventory_moves_to_location_idx ON erp.inventory_moves (tenant_id, to_location_id);

-- Derived, not an entity: written only by the inventory operations in the same call as the
-- audited moves that change them, proven equal to the ledger by erp.inventory_verify.
-- reserved >= 0 holds everywhere; on hand >= reserved (so >= 0) is enforced by the operations
-- for internal and transit locations only (consumables are exempt, outside locations read
-- negative), so it cannot be a CHECK.
CREATE TABLE erp.inventory_balances (
    tenant_id uuid NOT NULL,
    product_id uuid NOT NULL,
    location_id uuid NOT NULL,
    on_hand numeric NOT NULL DEFAULT 0,
    reserved numeric NOT NULL DEFAULT 0,
    last_reserved numeric NOT NULL DEFAULT 0,
    CONSTRAINT inventory_balances_pkey PRIMARY KEY (tenant_id, product_id, location_id),
    CONSTRAINT inventory_balances_product_fkey FOREIGN KEY (tenant_id, product_id)
    REFERENCES erp.erp_products (tenant_id, id),
    CONSTRAINT inventory_balances_location_fkey FOREIGN KEY (tenant_id, location_id)
    REFERENCES erp.inventory_locations (tenant_id, id),
    CONSTRAINT inventory_balances_reserved_check CHECK (reserved >= 0)
);
COMMENT ON TABLE erp.inventory_balances IS
    'On hand and reserved per (product, location), in the product''s unit: a cache of the ledger of '
    'done moves kept by the operations, locked in (product_id, location_id) order; see erp.inventory_verify.';
COMMENT ON COLUMN erp.inventory_balances.last_reserved IS
    'what the last partial reservation statement added: lets one conditional UPDATE tell its caller '
    'how much it reserved (RETURNING sees only the new row)';
CREATE INDEX inventory_balances_location_idx ON erp.inventory_balances (tenant_id, location_id);

ALTER TABLE erp.inventory_locations ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.inventory_locations FORCE ROW LEVEL SECURITY;
CREATE POLICY inventory_locations_owner ON erp.inventory_locations TO erp_owner USING (true) WITH CHECK (true);
ALTER TABLE erp.inventory_pickings ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.inventory_pickings FORCE ROW LEVEL SECURITY;
CREATE POLICY inventory_pickings_owner ON erp.inventory_pickings TO erp_owner USING (true) WITH CHECK (true);
ALTER TABLE erp.inventory_moves ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.inventory_moves FORCE ROW LEVEL SECURITY;
CREATE POLICY inventory_moves_owner ON erp.inventory_moves TO erp_owner USING (true) WITH CHECK (true);
ALTER TABLE erp.inventory_balances ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.inventory_balances FORCE ROW LEVEL SECURITY;
CREATE POLICY inventory_balances_owner ON erp.inventory_balances TO erp_owner USING (true) WITH CHECK (true);

INSERT INTO erp_meta.constraint_fields (table_name, constraint_name, field)
SELECT t.relname, c.conname, d.description
FROM pg_catalog.pg_constraint AS c
INNER JOIN pg_catalog.pg_class AS t ON c.conrelid = t.oid
INNER JOIN pg_catalog.pg_description AS d ON c.oid = d.objoid AND d.classoid = 'pg_catalog.pg_constraint'::regclass
WHERE c.conrelid IN ('erp.inventory_locations'::regclass, 'erp.inventory_pickings'::regclass,
    'erp.inventory_moves'::regclass)
    AND c.contype IN ('p', 'u', 'c', 'f');
INSERT INTO erp_meta.constraint_fields (table_name, constraint_name, field)
VALUES ('inventory_locations', 'inventory_locations_role_key', 'role');

-- (the tenant is implied by the composite foreign keys of pickings and moves: no KEY SHARE
-- lock on the tenant row from every move written)

-- the archive and restore checks must exist before the generated functions name them; their
-- files re-create them in place at every install
CREATE FUNCTION erp._inventory_location_archive_check(
    p_tenant_id uuid, p_old erp.inventory_locations, p_new erp.inventory_locations
) RETURNS void
LANGUAGE sql AS $fn$ SELECT $fn$;
CREATE FUNCTION erp._inventory_location_parent_check(
    p_tenant_id uuid, p_old erp.inventory_locations, p_new erp.inventory_locations
) RETURNS void
LANGUAGE sql AS $fn$ SELECT $fn$;

INSERT INTO erp_meta.entity_types (
    entity_type, table_name, writer_prefix, readonly_columns, verbs, api_noun, api_functions,
    list_order, list_filters, archive_check, restore_check
) VALUES
(
    'erp.inventory.location', 'inventory_locations', 'inventory_location', '{usage,role}', '{}', 'location',
    jsonb_build_object(
        'get', 'One stock location, archived or not (ZE001 if missing).',
        'list', 'The tenant''s stock locations ordered by code; archived ones only on request; optional '
            'usage and parent filters.',
        'archive', 'Archives a stock location (audited); ZE005 while it is a default location, holds stock, '
            'has open moves or active children.',
        'restore', 'Restores an archived stock location (audited); ZE009 while its parent is archived.'),
    'code_key',
    jsonb_build_array(
        jsonb_build_object('name', 'usage', 'type', 'text', 'column', 'usage'),
        jsonb_build_object('name', 'parent_id', 'type', 'uuid', 'column', 'parent_id')),
    'erp._inventory_location_archive_check', 'erp._inventory_location_parent_check'
),
(
    'erp.inventory.picking', 'inventory_pickings', 'inventory_picking', '{number,kind}',
    '{confirmed,reserved,unreserved,done,cancelled}', 'picking', '{}', NULL, '[]', NULL, NULL
),
(
    'erp.inventory.move', 'inventory_moves', 'inventory_move', '{product_id}',
    '{confirmed,reserved,unreserved,done,cancelled}', 'move', '{}', NULL, '[]', NULL, NULL
);
SELECT erp_meta.regenerate_writers();

-- a change of one balance row, as the operations hand it to erp._inventory_balances_apply
CREATE TYPE erp.inventory_delta AS (
    product_id uuid,
    location_id uuid,
    on_hand numeric,
    reserved numeric
);
COMMENT ON TYPE erp.inventory_delta IS
    'A change of one balance (product, location): on hand and reserved added, in the product''s unit.';
