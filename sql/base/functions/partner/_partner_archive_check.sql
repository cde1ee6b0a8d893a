-- The archive check of a partner (erp_meta.entity_types.archive_check, called by the generated
-- erp.partner_archive before the write): refused (ZE005) while active contacts belong to it.
-- Contacts being written hold KEY SHARE on their parent (foreign key and
-- erp._partner_parent_check): FOR UPDATE waits for them, so the count below sees them.
CREATE OR REPLACE FUNCTION erp._partner_archive_check(
    p_tenant_id uuid, p_old erp.erp_partners, p_new erp.erp_partners
) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_count bigint;
    v_codes text[];
BEGIN
    PERFORM 1 FROM erp.erp_partners AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_new.id FOR UPDATE;
    SELECT count(*), (array_agg(c.code ORDER BY c.code_key))[1:5] INTO v_count, v_codes
    FROM erp.erp_partners AS c
    WHERE c.tenant_id = p_tenant_id AND c.parent_id = p_new.id AND c.active;
    IF v_count > 0 THEN
        RAISE EXCEPTION 'company % still has % active contact(s): %', p_old.code, v_count,
            array_to_string(v_codes, ', ') || CASE WHEN v_count > 5 THEN ', ...' ELSE '' END
            USING ERRCODE = 'ZE005',
            HINT = 'Archive those contacts or move them to another company first.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._partner_archive_check(uuid, erp.erp_partners, erp.erp_partners) IS
    'Refuses to archive a company while active contacts belong to it (ZE005); locks it first.';
