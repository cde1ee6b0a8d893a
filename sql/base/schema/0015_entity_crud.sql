-- Per-entity public reads and lifecycle generated from the registry: an entity's get, list,
-- archive and restore are rendered by erp_meta.regenerate_writers() from the templates in
-- sql/base/functions/meta/templates/ and the columns below, instead of being hand-written.
-- Their names, signatures, grants and comments are those of the files they replace.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- the registry holds a handful of rows, written only by migrations and module installs: the
-- checks are validated at once
ALTER TABLE erp_meta.entity_types
    ADD COLUMN api_noun text,
    ADD COLUMN api_functions jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN list_order text,
    ADD COLUMN list_archived boolean NOT NULL DEFAULT true,
    ADD COLUMN list_filters jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN archive_check text,
    ADD COLUMN restore_check text,
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_api_functions_check CHECK (
        jsonb_typeof(api_functions) = 'object'
        AND api_functions - ARRAY['get', 'list', 'archive', 'restore'] = '{}'
    ),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_list_filters_check CHECK (jsonb_typeof(list_filters) = 'array'),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_api_noun_check CHECK (api_functions = '{}' OR api_noun IS NOT NULL),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_list_order_check CHECK (
        NOT api_functions ? 'list' OR list_order IS NOT NULL
    ),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT entity_types_checks_check CHECK (
        (archive_check IS NULL OR archive_check ~ '^erp\._[a-z0-9_]+$')
        AND (restore_check IS NULL OR restore_check ~ '^erp\._[a-z0-9_]+$')
    );
COMMENT ON COLUMN erp_meta.entity_types.api_noun IS
    'the entity named in messages of its generated functions ("unit % not found in this tenant")';
COMMENT ON COLUMN erp_meta.entity_types.api_functions IS
    'the public functions generated for the entity, erp.<writer_prefix>_<kind>, each kind '
    '(get, list, archive, restore) mapped to the COMMENT of its function';
COMMENT ON COLUMN erp_meta.entity_types.list_order IS
    'the column <prefix>_list orders by (then id)';
COMMENT ON COLUMN erp_meta.entity_types.list_archived IS
    'whether <prefix>_list hides archived rows unless p_include_archived';
COMMENT ON COLUMN erp_meta.entity_types.list_filters IS
    'the optional filters of <prefix>_list, in argument order: [{"name", "type", "column", '
    '"value"?}]; argument p_<name> DEFAULT NULL matches column = value (value: SQL, default p_<name>)';
COMMENT ON COLUMN erp_meta.entity_types.archive_check IS
    'erp._fn(p_tenant_id uuid, p_old <row>, p_new <row>) RETURNS void, called by <prefix>_archive '
    'before the write: refuses what may not be archived (still referenced)';
COMMENT ON COLUMN erp_meta.entity_types.restore_check IS
    'erp._fn(p_tenant_id uuid, p_old <row>, p_new <row>) RETURNS void, called by <prefix>_restore '
    'before the write: refuses what may not come back';

UPDATE erp_meta.entity_types SET
    api_noun = 'unit',
    api_functions = jsonb_build_object(
        'get', 'One unit of measure, archived or not (ZE001 if missing).',
        'list', 'The tenant''s units of measure ordered by code; archived ones only on request; '
            'optional category code.',
        'archive', 'Archives a unit of measure (audited); ZE005 while active products or units '
            'depend on it.',
        'restore', 'Restores an archived unit of measure (audited); ZE009 if its category''s '
            'reference rule would break.'),
    list_order = 'code_key',
    list_filters = jsonb_build_array(jsonb_build_object(
        'name', 'category', 'type', 'text', 'column', 'category_id',
        'value', concat_ws(E'\n', '(',
            '            SELECT c.id',
            '            FROM erp.erp_uom_categories AS c',
            '            WHERE c.tenant_id = p_tenant_id',
            '                AND c.code_key = erp._code_key(p_category)',
            '        )'))),
    archive_check = 'erp._uom_archive_check',
    restore_check = 'erp._uom_reference_check'
WHERE entity_type = 'erp.base.uom';

UPDATE erp_meta.entity_types SET
    api_noun = 'unit category',
    api_functions = jsonb_build_object(
        'list', 'The tenant''s unit-of-measure categories, ordered by code.'),
    list_order = 'code_key',
    list_archived = false
WHERE entity_type = 'erp.base.uom_category';

UPDATE erp_meta.entity_types SET
    api_noun = 'partner',
    api_functions = jsonb_build_object(
        'get', 'One partner, archived or not (ZE001 if missing).',
        'list', 'The tenant''s partners ordered by code; archived ones only on request; optional kind, '
            'parent, customer and supplier filters.',
        'archive', 'Archives a partner (audited); ZE005 while active contacts belong to it.',
        'restore', 'Restores an archived partner (audited); ZE009 while its parent company is archived.'),
    list_order = 'code_key',
    list_filters = jsonb_build_array(
        jsonb_build_object('name', 'kind', 'type', 'text', 'column', 'kind'),
        jsonb_build_object('name', 'parent_id', 'type', 'uuid', 'column', 'parent_id'),
        jsonb_build_object('name', 'is_customer', 'type', 'boolean', 'column', 'is_customer'),
        jsonb_build_object('name', 'is_supplier', 'type', 'boolean', 'column', 'is_supplier')),
    archive_check = 'erp._partner_archive_check',
    restore_check = 'erp._partner_parent_check'
WHERE entity_type = 'erp.base.partner';

UPDATE erp_meta.entity_types SET
    api_noun = 'product',
    api_functions = jsonb_build_object(
        'get', 'One product, archived or not (ZE001 if missing).',
        'list', 'The tenant''s products ordered by SKU; archived ones only on request; optional unit '
            'and type filters.',
        'archive', 'Archives a product (audited).',
        'restore', 'Restores an archived product (audited); ZE009 while its unit or purchase unit '
            'is archived.'),
    list_order = 'sku_key',
    list_filters = jsonb_build_array(
        jsonb_build_object('name', 'uom_id', 'type', 'uuid', 'column', 'uom_id'),
        jsonb_build_object('name', 'product_type', 'type', 'text', 'column', 'product_type')),
    restore_check = 'erp._product_restore_check'
WHERE entity_type = 'erp.base.product';

UPDATE erp_meta.entity_types SET
    api_noun = 'sequence',
    api_functions = jsonb_build_object(
        'get', 'One sequence definition (ZE001 if missing).',
        'list', 'The tenant''s sequences, ordered by code.'),
    list_order = 'code_key',
    list_archived = false
WHERE entity_type = 'erp.base.sequence';

-- From now on these are generated: the lifecycle leaves them to erp_meta.regenerate_writers(),
-- whose first run drops the hand-written ones of an upgraded database and creates them again.
DELETE FROM erp_meta.function_manifest AS m
USING erp_meta.entity_types AS e, jsonb_object_keys(e.api_functions) AS k (kind)
WHERE split_part(m.signature, '(', 1) = 'erp.' || e.writer_prefix || '_' || k.kind;
INSERT INTO erp_meta.generated_functions (function_name, entity_type)
SELECT e.writer_prefix || '_' || k.kind AS function_name, e.entity_type
FROM erp_meta.entity_types AS e, jsonb_object_keys(e.api_functions) AS k (kind)
ON CONFLICT ON CONSTRAINT generated_functions_pkey DO NOTHING;
