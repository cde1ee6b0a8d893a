-- Keeps "a category with active units has exactly one active reference unit" true for a write
-- that moves one unit from p_old (NULL when creating) to p_new, before that write. Writes that
-- change neither active nor uom_type cannot break it and return at once.
--   ZE009  a second active reference unit, or an active bigger/smaller unit without one;
--   ZE005  archiving the reference unit while other active units are defined relative to it.
-- Locks on the category row (each lock is taken first, the check then reads committed state):
--   * making a unit an active reference unit: FOR NO KEY UPDATE, so such writes (rare) take
--     turns per category;
--   * making a unit an active bigger/smaller unit: FOR KEY SHARE, which the unit's foreign key
--     takes anyway: any number of units are created in a category at once;
--   * archiving the reference unit: FOR UPDATE, which waits for every transaction holding KEY
--     SHARE (units being created or restored in the category) and then counts them.
CREATE OR REPLACE FUNCTION erp._uom_reference_check(
    p_tenant_id uuid, p_old erp.erp_uoms, p_new erp.erp_uoms
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_category text;
    v_ref_code text;
    v_others bigint;
    v_other_codes text[];
BEGIN
    IF p_old.id IS NOT NULL
        AND p_new.active = p_old.active AND p_new.uom_type = p_old.uom_type THEN
        RETURN;
    END IF;
    IF NOT p_new.active AND NOT coalesce(p_old.active, false) THEN
        RETURN;  -- stays archived: an archived unit counts for nothing
    END IF;

    IF p_new.active AND p_new.uom_type = 'reference' THEN
        SELECT c.code INTO v_category FROM erp.erp_uom_categories AS c
        WHERE c.tenant_id = p_tenant_id AND c.id = p_new.category_id
        FOR NO KEY UPDATE;
        SELECT u.code INTO v_ref_code FROM erp.erp_uoms AS u
        WHERE u.tenant_id = p_tenant_id AND u.category_id = p_new.category_id
            AND u.uom_type = 'reference' AND u.active AND u.id IS DISTINCT FROM p_new.id;
        IF v_ref_code IS NOT NULL THEN
            RAISE EXCEPTION 'unit category % already has the active reference unit %', v_category, v_ref_code
                USING ERRCODE = 'ZE009',
                HINT = format('A category has exactly one reference unit: make %s bigger or smaller, '
                    'with a factor relative to %s.', erp._clip(p_new.code, 40), v_ref_code);
        END IF;
    ELSIF p_new.active THEN
        SELECT c.code INTO v_category FROM erp.erp_uom_categories AS c
        WHERE c.tenant_id = p_tenant_id AND c.id = p_new.category_id
        FOR KEY SHARE;
        IF NOT EXISTS (
            SELECT 1 FROM erp.erp_uoms AS u
            WHERE u.tenant_id = p_tenant_id AND u.category_id = p_new.category_id
                AND u.uom_type = 'reference' AND u.active AND u.id IS DISTINCT FROM p_new.id
        ) THEN
            IF p_old.active AND p_old.uom_type = 'reference' THEN
                RAISE EXCEPTION 'unit % is the reference unit of category %; it stays reference',
                    p_old.code, v_category
                    USING ERRCODE = 'ZE009',
                    HINT = 'The reference unit of a category is fixed while it is active; '
                    'create a new category to re-base units.';
            END IF;
            RAISE EXCEPTION 'unit category % has no active reference unit', v_category
                USING ERRCODE = 'ZE009',
                HINT = 'Create (or restore) the reference unit first: bigger and smaller units are '
                'defined relative to it.';
        END IF;
    ELSIF p_old.uom_type = 'reference' THEN
        SELECT c.code INTO v_category FROM erp.erp_uom_categories AS c
        WHERE c.tenant_id = p_tenant_id AND c.id = p_new.category_id
        FOR UPDATE;
        SELECT count(*), (array_agg(u.code ORDER BY u.code_key))[1:5] INTO v_others, v_other_codes
        FROM erp.erp_uoms AS u
        WHERE u.tenant_id = p_tenant_id AND u.category_id = p_new.category_id AND u.active
            AND u.id <> p_new.id;
        IF v_others > 0 THEN
            RAISE EXCEPTION 'reference unit % of category % is still the base of % active unit(s): %',
                p_old.code, v_category, v_others, array_to_string(v_other_codes, ', ')
                || CASE WHEN v_others > 5 THEN ', ...' ELSE '' END
                USING ERRCODE = 'ZE005', HINT = 'Archive the other units of the category first.';
        END IF;
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._uom_reference_check(uuid, erp.erp_uoms, erp.erp_uoms) IS
    'Enforces one active reference unit per category (ZE009, ZE005), with the locks that make it hold under concurrency.';
