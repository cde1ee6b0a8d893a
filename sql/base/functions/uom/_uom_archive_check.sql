-- The archive check of a unit (erp_meta.entity_types.archive_check, called by the generated
-- erp.uom_archive before the write): refused (ZE005) while active products use it (as unit or
-- purchase unit) and, for a reference unit, while other active units of its category are
-- defined relative to it (erp._uom_reference_check). Products being written with this unit
-- hold KEY SHARE on it (their foreign key, or erp._product_uom_check): FOR UPDATE waits for
-- them, so the count below sees them.
CREATE OR REPLACE FUNCTION erp._uom_archive_check(
    p_tenant_id uuid, p_old erp.erp_uoms, p_new erp.erp_uoms
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_count bigint;
    v_skus text[];
BEGIN
    PERFORM 1 FROM erp.erp_uoms AS u WHERE u.tenant_id = p_tenant_id AND u.id = p_new.id FOR UPDATE;
    SELECT count(*), (array_agg(p.sku ORDER BY p.sku_key))[1:5] INTO v_count, v_skus
    FROM erp.erp_products AS p
    WHERE p.tenant_id = p_tenant_id AND p.active AND (p.uom_id = p_new.id OR p.purchase_uom_id = p_new.id);
    IF v_count > 0 THEN
        RAISE EXCEPTION 'unit % is still used by % active product(s): %', p_old.code, v_count,
            array_to_string(v_skus, ', ') || CASE WHEN v_count > 5 THEN ', ...' ELSE '' END
            USING ERRCODE = 'ZE005',
            HINT = 'Archive those products or move them to another unit first.';
    END IF;
    PERFORM erp._uom_reference_check(p_tenant_id, p_old, p_new);
END
$fn$;
COMMENT ON FUNCTION erp._uom_archive_check(uuid, erp.erp_uoms, erp.erp_uoms) IS
    'Refuses to archive a unit still used by active products or units (ZE005); locks it first.';
