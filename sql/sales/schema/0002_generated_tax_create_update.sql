-- erp.sales_tax_create and erp.sales_tax_update are generated from the registry (base 0.5.0,
-- migration 0017): the same signatures, defaults, grants and comments, with the tax's one
-- hand-written check, erp._sales_tax_write_check.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

UPDATE erp_meta.entity_types SET
    api_functions = api_functions || jsonb_build_object(
        'create', 'Creates a sales tax (code unique per tenant; rate in percent; audited).',
        'update', 'Patches a sales tax (audited; no event when nothing changes).'),
    create_arguments = jsonb_build_array(
        jsonb_build_object('name', 'code', 'type', 'text'),
        jsonb_build_object('name', 'name', 'type', 'text'),
        jsonb_build_object('name', 'rate', 'type', 'numeric'),
        jsonb_build_object('name', 'price_include', 'type', 'boolean', 'default', 'false')),
    trim_columns = '{code,name}',
    write_check = 'erp._sales_tax_write_check'
WHERE entity_type = 'erp.sales.tax';

SELECT erp_meta.adopt_generated_functions();
