-- An entity's public create and update are generated from the registry too, as its get, list,
-- archive and restore are since 0015: erp.<prefix>_create takes the arguments the entity
-- declares (create_arguments), trims the text columns it names (trim_columns) and writes the
-- row; erp.<prefix>_update locks the row at the expected version, applies the patch and trims.
-- Both call the entity's one hand-written check (write_check: p_old NULL on create) before the
-- audited write. Names, signatures, defaults, grants and comments are those of the files they
-- replace, so no caller sees a change.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- the registry holds a handful of rows, written only by migrations and module installs: the
-- checks are validated at once
-- (the two checks are replaced by wider ones in the same statement)
ALTER TABLE erp_meta.entity_types
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT entity_types_api_functions_check,
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT entity_types_checks_check,
    ADD COLUMN create_arguments jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN trim_columns text[] NOT NULL DEFAULT '{}',
    ADD COLUMN write_check text,
    ADD COLUMN tree_lock text,
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_api_functions_check CHECK (
        jsonb_typeof(api_functions) = 'object'
        AND api_functions - ARRAY['get', 'list', 'archive', 'restore', 'create', 'update'] = '{}'
    ),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_checks_check CHECK (
        (archive_check IS NULL OR archive_check ~ '^erp\._[a-z0-9_]+$')
        AND (restore_check IS NULL OR restore_check ~ '^erp\._[a-z0-9_]+$')
        AND (write_check IS NULL OR write_check ~ '^erp\._[a-z0-9_]+$')
        AND (tree_lock IS NULL OR tree_lock ~ '^erp\._[a-z0-9_]+$')
    ),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_create_arguments_check CHECK (
        jsonb_typeof(create_arguments) = 'array'
        AND (NOT api_functions ? 'create' OR jsonb_array_length(create_arguments) > 0)
    );
COMMENT ON COLUMN erp_meta.entity_types.create_arguments IS
    'the arguments of the generated <prefix>_create after the context, in order: [{"name", "type", '
    '"default"?, "value"?}] sets column <name> to value (SQL, default p_<name>, trimmed when the column '
    'is in trim_columns); an item without "type" is no argument, only a column set to its "value"';
COMMENT ON COLUMN erp_meta.entity_types.trim_columns IS
    'the text columns <prefix>_create and <prefix>_update trim (spaces, tabs, line breaks) before the check';
COMMENT ON COLUMN erp_meta.entity_types.write_check IS
    'erp._fn(p_tenant_id uuid, p_old <row>, p_new <row>) RETURNS void, called by <prefix>_create '
    '(p_old NULL) and <prefix>_update before the write: validates the row and refuses what may not be written';
COMMENT ON COLUMN erp_meta.entity_types.tree_lock IS
    'erp._fn(p_tenant_id uuid) RETURNS void, taken by <prefix>_update before the row lock when the '
    'patch names parent_id (serialises re-parenting, so two moves cannot build a cycle together)';

UPDATE erp_meta.entity_types SET
    api_functions = api_functions || jsonb_build_object(
        'create', 'Creates a unit-of-measure category (code unique per tenant; audited).'),
    create_arguments = jsonb_build_array(
        jsonb_build_object('name', 'code', 'type', 'text'),
        jsonb_build_object('name', 'name', 'type', 'text')),
    trim_columns = '{code,name}',
    write_check = 'erp._uom_category_write_check'
WHERE entity_type = 'erp.base.uom_category';

UPDATE erp_meta.entity_types SET
    api_functions = api_functions || jsonb_build_object(
        'update', 'Patches a unit of measure (audited; no event when nothing changes).'),
    trim_columns = '{code,name}',
    write_check = 'erp._uom_write_check'
WHERE entity_type = 'erp.base.uom';

UPDATE erp_meta.entity_types SET
    api_functions = api_functions || jsonb_build_object(
        'create', 'Creates a partner (company or person; code and tax id unique per tenant; audited).',
        'update', 'Patches a partner (audited; no event when nothing changes).'),
    create_arguments = jsonb_build_array(
        jsonb_build_object('name', 'code', 'type', 'text'),
        jsonb_build_object('name', 'name', 'type', 'text'),
        jsonb_build_object('name', 'kind', 'type', 'text', 'default', '''company'''),
        jsonb_build_object('name', 'parent_id', 'type', 'uuid', 'default', 'NULL'),
        jsonb_build_object('name', 'email', 'type', 'text', 'default', 'NULL'),
        jsonb_build_object('name', 'phone', 'type', 'text', 'default', 'NULL'),
        jsonb_build_object('name', 'tax_id', 'type', 'text', 'default', 'NULL'),
        jsonb_build_object('name', 'address', 'type', 'jsonb', 'default', '''{}''',
            'value', 'coalesce(p_address, ''{}'')'),
        jsonb_build_object('name', 'is_customer', 'type', 'boolean', 'default', 'true'),
        jsonb_build_object('name', 'is_supplier', 'type', 'boolean', 'default', 'false'),
        jsonb_build_object('name', 'active', 'value', 'true')),
    trim_columns = '{code,name,email,phone,tax_id}',
    write_check = 'erp._partner_write_check',
    tree_lock = 'erp._tenant_lock'
WHERE entity_type = 'erp.base.partner';

UPDATE erp_meta.entity_types SET
    api_functions = api_functions || jsonb_build_object(
        'create', 'Creates a product (SKU and barcode unique per tenant; units active and of one category; '
            'audited).',
        'update', 'Patches a product (audited; no event when nothing changes).'),
    create_arguments = jsonb_build_array(
        jsonb_build_object('name', 'sku', 'type', 'text'),
        jsonb_build_object('name', 'name', 'type', 'text'),
        jsonb_build_object('name', 'uom_id', 'type', 'uuid'),
        jsonb_build_object('name', 'product_type', 'type', 'text', 'default', '''goods'''),
        jsonb_build_object('name', 'list_price', 'type', 'numeric', 'default', '0'),
        jsonb_build_object('name', 'barcode', 'type', 'text', 'default', 'NULL'),
        jsonb_build_object('name', 'purchase_uom_id', 'type', 'uuid', 'default', 'NULL'),
        jsonb_build_object('name', 'active', 'value', 'true')),
    trim_columns = '{sku,name,barcode}',
    write_check = 'erp._product_write_check'
WHERE entity_type = 'erp.base.product';

-- Adopts the public functions an entity now declares (api_functions) as generated ones: the
-- lifecycle stops tracking the hand-written files they replace, and the next
-- erp_meta.regenerate_writers() drops those and creates the generated ones in their place.
-- A module's migration calls it after declaring functions of its own entities.
CREATE FUNCTION erp_meta.adopt_generated_functions() RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$
    DELETE FROM erp_meta.function_manifest AS m
    USING erp_meta.entity_types AS e, jsonb_object_keys(e.api_functions) AS k (kind)
    WHERE split_part(m.signature, '(', 1) = 'erp.' || e.writer_prefix || '_' || k.kind;
    INSERT INTO erp_meta.generated_functions (function_name, entity_type)
    SELECT e.writer_prefix || '_' || k.kind AS function_name, e.entity_type
    FROM erp_meta.entity_types AS e, jsonb_object_keys(e.api_functions) AS k (kind)
    ON CONFLICT ON CONSTRAINT generated_functions_pkey DO NOTHING;
$fn$;
COMMENT ON FUNCTION erp_meta.adopt_generated_functions() IS
    'Makes the public functions the registry declares generated ones (no longer tracked as files).';
REVOKE ALL ON FUNCTION erp_meta.adopt_generated_functions() FROM PUBLIC;

SELECT erp_meta.adopt_generated_functions();
