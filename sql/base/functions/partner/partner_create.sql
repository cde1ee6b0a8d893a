-- Creates a partner: a company or a person, optionally belonging to an active parent company.
-- Code (and tax id, when given) are unique per tenant after trim + NFKC + case folding.
CREATE OR REPLACE FUNCTION erp.partner_create(
    p_tenant_id uuid,
    p_actor_user_id uuid,
    p_actor_type text,
    p_trace_id text,
    p_code text,
    p_name text,
    p_kind text DEFAULT 'company',
    p_parent_id uuid DEFAULT NULL,
    p_email text DEFAULT NULL,
    p_phone text DEFAULT NULL,
    p_tax_id text DEFAULT NULL,
    p_address jsonb DEFAULT '{}',
    p_is_customer boolean DEFAULT true,
    p_is_supplier boolean DEFAULT false
) RETURNS erp.erp_partners
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_row erp.erp_partners;
BEGIN
    IF NOT erp._context_ok(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id) THEN
        PERFORM erp._context_check(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id);
    END IF;
    v_row.code := btrim(p_code, E' \t\r\n');
    v_row.name := btrim(p_name, E' \t\r\n');
    v_row.kind := p_kind;
    v_row.parent_id := p_parent_id;
    v_row.email := btrim(p_email, E' \t\r\n');
    v_row.phone := btrim(p_phone, E' \t\r\n');
    v_row.tax_id := btrim(p_tax_id, E' \t\r\n');
    v_row.address := coalesce(p_address, '{}');
    v_row.is_customer := p_is_customer;
    v_row.is_supplier := p_is_supplier;
    v_row.active := true;
    PERFORM erp._partner_validate(v_row);
    PERFORM erp._partner_parent_check(p_tenant_id, NULL, v_row);
    v_row := erp._partner_create(p_tenant_id, p_actor_user_id, p_actor_type, p_trace_id, v_row);
    RETURN v_row;
END
$fn$;
COMMENT ON FUNCTION erp.partner_create(
    uuid, uuid, text, text, text, text, text, uuid, text, text, text, jsonb, boolean, boolean
) IS 'Creates a partner (company or person; code and tax id unique per tenant; audited).';
REVOKE ALL ON FUNCTION erp.partner_create(
    uuid, uuid, text, text, text, text, text, uuid, text, text, text, jsonb, boolean, boolean
) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.partner_create(
    uuid, uuid, text, text, text, text, text, uuid, text, text, text, jsonb, boolean, boolean
) TO erp_app, erp_admin;
