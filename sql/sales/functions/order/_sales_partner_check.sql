-- An order's partner is an active customer of the tenant (ZE001 missing, ZE009 otherwise).
CREATE OR REPLACE FUNCTION erp._sales_partner_check(p_tenant_id uuid, p_partner_id uuid) RETURNS void
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_partner erp.erp_partners;
BEGIN
    SELECT p.* INTO v_partner FROM erp.erp_partners AS p WHERE p.tenant_id = p_tenant_id AND p.id = p_partner_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'partner % not found in this tenant', coalesce(p_partner_id::text, 'NULL')
            USING ERRCODE = 'ZE001';
    END IF;
    IF NOT (v_partner.active AND v_partner.is_customer) THEN
        RAISE EXCEPTION 'partner % is not an active customer', v_partner.code
            USING ERRCODE = 'ZE009', HINT = 'Restore the partner or mark it as a customer.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._sales_partner_check(uuid, uuid) IS
    'ZE001 when the partner is missing, ZE009 when it is archived or not a customer.';
