-- Run by the migrator after every function file (and by module authors after registering an
-- entity): derives each registered entity's insert and patch keys from the catalog and
-- regenerates its static writers and the public functions it declares (erp_meta.generate_api).
-- Generated functions are dropped and created again, so a writer whose signature changed
-- leaves no stale overload; erp_meta.generated_functions lists
-- them (the function lifecycle leaves them to this function).
CREATE OR REPLACE FUNCTION erp_meta.regenerate_writers() RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_entity erp_meta.entity_types;
    v_function regprocedure;
    v_count integer := 0;
    v_name text;
    v_ddl text;
BEGIN
    -- identifiers come from the catalog (regprocedure); only the owner runs this
    -- @plpgsql_check_options: security_warnings = false
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc AS p
        INNER JOIN erp_meta.generated_functions AS g ON g.function_name = p.proname
        WHERE p.pronamespace = 'erp'::regnamespace
    LOOP
        EXECUTE format('DROP FUNCTION %s', v_function);
    END LOOP;
    DELETE FROM erp_meta.generated_functions;
    FOR v_entity IN SELECT * FROM erp_meta.entity_types ORDER BY entity_type LOOP
        UPDATE erp_meta.entity_types AS e
        SET insert_keys = k.insert_keys, patch_keys = k.patch_keys
        FROM (
            SELECT
                array_agg(a.attname::text ORDER BY a.attnum) FILTER (
                    WHERE a.attname NOT IN ('tenant_id', 'version', 'active', 'created_at', 'updated_at')
                ) AS insert_keys,
                array_agg(a.attname::text ORDER BY a.attnum) FILTER (
                    WHERE a.attname NOT IN ('tenant_id', 'id', 'version', 'active', 'created_at', 'updated_at')
                    AND a.attname <> ALL (v_entity.readonly_columns)
                ) AS patch_keys
            FROM pg_catalog.pg_attribute AS a
            WHERE a.attrelid = format('erp.%I', v_entity.table_name)::regclass
                AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ) AS k
        WHERE e.entity_type = v_entity.entity_type;
        INSERT INTO erp_meta.generated_functions (function_name, entity_type)
        SELECT g.name, v_entity.entity_type
        FROM erp_meta.generate_writers(v_entity.entity_type) AS g (name);
        FOR v_name, v_ddl IN
            SELECT a.function_name, a.ddl FROM erp_meta.generate_api(v_entity.entity_type) AS a
        LOOP
            EXECUTE v_ddl;
            INSERT INTO erp_meta.generated_functions (function_name, entity_type)
            VALUES (v_name, v_entity.entity_type);
        END LOOP;
        v_count := v_count + 1;
    END LOOP;
    INSERT INTO erp_meta.generated_functions (function_name, entity_type)
    SELECT g.name, '*' FROM erp_meta.generate_dispatchers() AS g (name);
    RETURN v_count;
END
$fn$;
COMMENT ON FUNCTION erp_meta.regenerate_writers() IS
    'Refreshes insert/patch keys from the catalog and regenerates every entity''s writers (drop and create).';
