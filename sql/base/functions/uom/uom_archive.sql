-- Archives a unit. Refused (ZE005) while active products use it (as unit or purchase unit) and,
-- for a reference unit, while other active units of its category are defined relative to it.
-- Archiving an archived unit returns it unchanged (no event).
CREATE OR REPLACE FUNCTION erp.uom_archive(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_id uuid,
    p_expected_version bigint DEFAULT NULL
) RETURNS erp.erp_uoms
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_old erp.erp_uoms;
    v_new erp.erp_uoms;
    v_count bigint;
    v_skus text[];
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_old := erp._uom_lock(p_tenant_id, p_id, p_expected_version);
    IF NOT v_old.active THEN
        RETURN v_old;
    END IF;
    -- products being written with this unit hold KEY SHARE on it (their foreign key, or
    -- erp._product_uom_check): FOR UPDATE waits for them, so the count below sees them
    PERFORM 1 FROM erp.erp_uoms AS u WHERE u.tenant_id = p_tenant_id AND u.id = p_id FOR UPDATE;
    SELECT count(*), (array_agg(p.sku ORDER BY p.sku_key))[1:5] INTO v_count, v_skus
    FROM erp.erp_products AS p
    WHERE p.tenant_id = p_tenant_id AND p.active AND (p.uom_id = p_id OR p.purchase_uom_id = p_id);
    IF v_count > 0 THEN
        RAISE EXCEPTION 'unit % is still used by % active product(s): %', v_old.code, v_count,
            array_to_string(v_skus, ', ') || CASE WHEN v_count > 5 THEN ', ...' ELSE '' END
            USING ERRCODE = 'ZE005',
            HINT = 'Archive those products or move them to another unit first.';
    END IF;
    v_new := v_old;
    v_new.active := false;
    PERFORM erp._uom_reference_check(p_tenant_id, v_old, v_new);
    RETURN erp._uom_write(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_old, v_new, 'archived');
END
$fn$;
COMMENT ON FUNCTION erp.uom_archive(uuid, uuid, text, text, uuid, bigint) IS
    'Archives a unit of measure (audited); ZE005 while active products or units depend on it.';
REVOKE ALL ON FUNCTION erp.uom_archive(uuid, uuid, text, text, uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.uom_archive(uuid, uuid, text, text, uuid, bigint) TO erp_app, erp_admin;
