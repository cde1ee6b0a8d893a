-- Creates, once per tenant, the default locations (stock: internal; suppliers: supplier;
-- customers: customer; inventory: the inventory-loss location of counts) and the sequences
-- that number validated pickings: IN (receipts, IN/{YYYY}/00001), OUT (deliveries) and INT
-- (internal transfers), reset yearly. Idempotent: what exists is kept (a sequence of the same
-- code is used as it is). Returns {"stock": {...}, "suppliers": {...}, "customers": {...},
-- "inventory": {...}}, each the location's columns.
CREATE OR REPLACE FUNCTION erp.inventory_setup(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text
) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_result jsonb := '{}'::jsonb;
    v_default record;
    v_row erp.inventory_locations;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    PERFORM erp._tenant_lock(p_tenant_id);  -- two setups at once create one set
    FOR v_default IN
        SELECT * FROM (VALUES
            ('stock', 'STOCK', 'Stock', 'internal'),
            ('suppliers', 'SUPPLIERS', 'Suppliers', 'supplier'),
            ('customers', 'CUSTOMERS', 'Customers', 'customer'),
            ('inventory', 'INVENTORY-LOSS', 'Inventory loss', 'inventory')
        ) AS d (role, code, name, usage)
    LOOP
        SELECT l.* INTO v_row FROM erp.inventory_locations AS l
        WHERE l.tenant_id = p_tenant_id AND l.role = v_default.role;
        IF NOT FOUND THEN
            v_row := NULL;
            v_row.code := v_default.code;
            v_row.name := v_default.name;
            v_row.usage := v_default.usage;
            v_row.role := v_default.role;
            v_row := erp._inventory_location_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
        END IF;
        v_result := v_result || pg_catalog.jsonb_build_object(v_default.role, pg_catalog.to_jsonb(v_row));
    END LOOP;
    PERFORM erp.sequence_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, s.code, s.name,
        s.code || '/{YYYY}/', '', 5, 1, 1, 'yearly')
    FROM (VALUES ('IN', 'Receipts'), ('OUT', 'Deliveries'), ('INT', 'Internal transfers')) AS s (code, name)
    WHERE NOT EXISTS (SELECT 1 FROM erp.erp_sequences AS q
        WHERE q.tenant_id = p_tenant_id AND q.code_key = erp._code_key(s.code));
    RETURN v_result;
END
$fn$;
COMMENT ON FUNCTION erp.inventory_setup(uuid, uuid, text, text) IS
    'Creates the tenant''s default locations and the IN/OUT/INT sequences once (idempotent); returns the locations.';
REVOKE ALL ON FUNCTION erp.inventory_setup(uuid, uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.inventory_setup(uuid, uuid, text, text) TO erp_app, erp_admin;
