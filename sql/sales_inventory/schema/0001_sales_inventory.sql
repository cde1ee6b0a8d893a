-- The bridge between sales and inventory: which delivery move serves which order line, and the
-- three hooks (an order confirmed makes its delivery, a delivery done updates the order, an
-- order cancelled cancels its open deliveries). Sales and inventory know nothing of it.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- One row per delivery move made for an order line, a backorder's move included (it carries the
-- undone rest of a move of the same line). Written once, when the move is made, never changed:
-- a link, not a document, so it is no entity; the picking's audited origin_type/origin_id and
-- the moves' audited creation events tell the same story.
CREATE TABLE erp.sales_inventory_move_lines (
    tenant_id uuid NOT NULL,
    move_id uuid NOT NULL,
    order_id uuid NOT NULL,
    order_line_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sales_inventory_move_lines_pkey PRIMARY KEY (tenant_id, move_id),
    CONSTRAINT sales_inventory_move_lines_move_fkey FOREIGN KEY (tenant_id, move_id)
        REFERENCES erp.inventory_moves (tenant_id, id),
    CONSTRAINT sales_inventory_move_lines_line_fkey FOREIGN KEY (tenant_id, order_line_id)
        REFERENCES erp.sales_order_lines (tenant_id, id),
    CONSTRAINT sales_inventory_move_lines_order_fkey FOREIGN KEY (tenant_id, order_id)
        REFERENCES erp.sales_orders (tenant_id, id)
);
CREATE INDEX sales_inventory_move_lines_order_idx
    ON erp.sales_inventory_move_lines (tenant_id, order_id);
CREATE INDEX sales_inventory_move_lines_line_idx
    ON erp.sales_inventory_move_lines (tenant_id, order_line_id);
ALTER TABLE erp.sales_inventory_move_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE erp.sales_inventory_move_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY sales_inventory_move_lines_owner ON erp.sales_inventory_move_lines TO erp_owner
USING (true) WITH CHECK (true);
COMMENT ON TABLE erp.sales_inventory_move_lines IS
    'Which delivery move (erp.inventory_moves) serves which sales order line; written once by the '
    'bridge''s hooks, never changed.';

-- the hook functions exist before they are registered; their files under functions/hooks give
-- them their bodies at every install, in place
CREATE OR REPLACE FUNCTION erp._sales_inventory_on_order_confirm(p_tenant_id uuid, p_record jsonb)
RETURNS void LANGUAGE sql AS $fn$ SELECT $fn$;
CREATE OR REPLACE FUNCTION erp._sales_inventory_on_order_cancel(p_tenant_id uuid, p_record jsonb)
RETURNS void LANGUAGE sql AS $fn$ SELECT $fn$;
CREATE OR REPLACE FUNCTION erp._sales_inventory_on_picking_done(p_tenant_id uuid, p_record jsonb)
RETURNS void LANGUAGE sql AS $fn$ SELECT $fn$;
SELECT erp_meta.hook_register('erp.sales.order.confirm', 'erp._sales_inventory_on_order_confirm(uuid,jsonb)', 100);
SELECT erp_meta.hook_register('erp.sales.order.cancel', 'erp._sales_inventory_on_order_cancel(uuid,jsonb)', 100);
SELECT erp_meta.hook_register('erp.inventory.picking.done', 'erp._sales_inventory_on_picking_done(uuid,jsonb)', 100);
