-- Translates a constraint violation caught by a generated writer into a documented SQLSTATE.
-- The constraint's COMMENT names the field a person should look at (e.g. 'code'); without a
-- comment (e.g. a primary key) its columns other than tenant_id do; for a NOT NULL violation
-- p_constraint is the column name; a partial unique index's COMMENT names its field.
CREATE OR REPLACE FUNCTION erp._raise_constraint_error(
    p_entity_type text, p_sqlstate text, p_constraint text, p_message text, p_row jsonb
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_field text;
BEGIN
    SELECT coalesce(
        pg_catalog.obj_description(c.oid, 'pg_constraint'),
        (SELECT pg_catalog.string_agg(a.attname::text, ', ' ORDER BY k.ord)
        FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
        JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE a.attname <> 'tenant_id'))
    INTO v_field
    FROM pg_catalog.pg_constraint AS c
    WHERE c.conname = p_constraint AND c.connamespace = 'erp'::regnamespace
    LIMIT 1;
    -- a unique index that is not a constraint (partial ones) names its field in its comment
    v_field := coalesce(v_field,
        pg_catalog.obj_description(pg_catalog.to_regclass(pg_catalog.format('erp.%I', p_constraint)), 'pg_class'),
        p_constraint);
    CASE p_sqlstate
        WHEN '23505' THEN
            RAISE EXCEPTION '% with this % (%) already exists in this tenant',
                p_entity_type, v_field, coalesce(p_row ->> v_field, '?')
                USING ERRCODE = 'ZE002', DETAIL = format('constraint %s', p_constraint),
                HINT = format('Choose another %s, or update the existing record.', v_field);
        WHEN '23503' THEN
            RAISE EXCEPTION '%: referenced % not found in this tenant', p_entity_type, v_field
                USING ERRCODE = 'ZE001', DETAIL = format('constraint %s', p_constraint);
        ELSE
            RAISE EXCEPTION '%: invalid %: %', p_entity_type, v_field, p_message
                USING ERRCODE = 'ZE003', DETAIL = format('constraint %s', p_constraint);
    END CASE;
END
$fn$;
COMMENT ON FUNCTION erp._raise_constraint_error(text, text, text, text, jsonb) IS
    'Raises ZE002 (unique), ZE001 (foreign key) or ZE003 (check, not null) for a violation.';
