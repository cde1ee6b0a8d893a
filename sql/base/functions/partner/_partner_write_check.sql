-- The write check of a partner (erp_meta.entity_types.write_check), called by the generated
-- erp.partner_create (p_old NULL) and erp.partner_update: a company or a person within the
-- limits (code and tax id are unique per tenant after trim + NFKC + case folding); a parent,
-- when new or changed, must be an active company that is not the partner itself or one of its
-- descendants (ZE009); a company with contacts cannot become a person (ZE005).
CREATE OR REPLACE FUNCTION erp._partner_write_check(
    p_tenant_id uuid, p_old erp.erp_partners, p_new erp.erp_partners
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM erp._partner_validate(p_new);
    IF p_old.id IS NULL OR p_new.parent_id IS DISTINCT FROM p_old.parent_id THEN
        PERFORM erp._partner_parent_check(p_tenant_id, p_old, p_new);
    END IF;
    -- (nested IFs: an EXISTS in the condition would run as a query on every update)
    IF p_old.kind = 'company' AND p_new.kind = 'person' THEN
        -- contacts being written hold KEY SHARE on this row: wait for them, then look
        PERFORM 1 FROM erp.erp_partners AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_old.id FOR UPDATE;
        IF EXISTS (
            SELECT 1 FROM erp.erp_partners AS c WHERE c.tenant_id = p_tenant_id AND c.parent_id = p_old.id
        ) THEN
            RAISE EXCEPTION 'company % has contacts and cannot become a person', p_old.code
                USING ERRCODE = 'ZE005',
                HINT = 'Move its contacts (archived ones included) to another company first.';
        END IF;
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._partner_write_check(uuid, erp.erp_partners, erp.erp_partners) IS
    'Checks a partner before it is written (limits, its parent, no person with contacts).';
