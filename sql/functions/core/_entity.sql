-- The registry entry of an entity type; ZE003 for a type nobody registered.
CREATE OR REPLACE FUNCTION erp._entity(p_entity_type text) RETURNS erp_meta.entity_types
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_entity erp_meta.entity_types;
BEGIN
    SELECT e.* INTO v_entity FROM erp_meta.entity_types AS e WHERE e.entity_type = p_entity_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown entity type %', coalesce(quote_literal(p_entity_type), 'NULL')
            USING ERRCODE = 'ZE003',
            HINT = 'Entity types are registered in erp_meta.entity_types (e.g. erp.base.uom).';
    END IF;
    RETURN v_entity;
END
$fn$;
COMMENT ON FUNCTION erp._entity(text) IS 'Registry entry of an entity type (ZE003 if unknown).';
