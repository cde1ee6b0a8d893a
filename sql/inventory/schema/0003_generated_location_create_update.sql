-- erp.inventory_location_create and erp.inventory_location_update are generated from the
-- registry (base 0.5.0, migration 0017): the same signatures, defaults, grants and comments,
-- with the location's one hand-written check, erp._inventory_location_write_check, and the
-- tree lock taken before a re-parenting locks any row.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

UPDATE erp_meta.entity_types SET
    api_functions = api_functions || jsonb_build_object(
        'create', 'Creates a stock location (code unique per tenant; usage; optional parent; audited).',
        'update', 'Patches a stock location: code, name, parent (audited; no event when nothing changes).'),
    create_arguments = jsonb_build_array(
        jsonb_build_object('name', 'code', 'type', 'text'),
        jsonb_build_object('name', 'name', 'type', 'text'),
        jsonb_build_object('name', 'usage', 'type', 'text'),
        jsonb_build_object('name', 'parent_id', 'type', 'uuid', 'default', 'NULL')),
    trim_columns = '{code,name}',
    write_check = 'erp._inventory_location_write_check',
    tree_lock = 'erp._tenant_lock'
WHERE entity_type = 'erp.inventory.location';

SELECT erp_meta.adopt_generated_functions();
