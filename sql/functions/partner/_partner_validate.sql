-- Validation shared by partner_create and partner_update (ZE003 with the field named).
CREATE OR REPLACE FUNCTION erp._partner_validate(p_row erp.erp_partners) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF p_row.code IS NULL OR erp._code_key(p_row.code) = '' THEN
        RAISE EXCEPTION 'partner code is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.name IS NULL OR btrim(p_row.name) = '' THEN
        RAISE EXCEPTION 'partner name is empty' USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.kind IS NULL OR p_row.kind NOT IN ('company', 'person') THEN
        RAISE EXCEPTION 'unknown partner kind %', coalesce(quote_literal(p_row.kind), 'NULL')
            USING ERRCODE = 'ZE003', HINT = 'kind is company or person.';
    END IF;
    IF p_row.email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' THEN
        RAISE EXCEPTION 'invalid email address %', quote_literal(p_row.email)
            USING ERRCODE = 'ZE003', HINT = 'Expected name@domain.tld, or NULL for none.';
    END IF;
    IF btrim(p_row.phone) = '' OR length(p_row.phone) > 50 THEN
        RAISE EXCEPTION 'invalid phone number %', quote_literal(p_row.phone)
            USING ERRCODE = 'ZE003', HINT = 'At most 50 characters, or NULL for none.';
    END IF;
    IF erp._code_key(p_row.tax_id) = '' THEN
        RAISE EXCEPTION 'tax id is empty' USING ERRCODE = 'ZE003', HINT = 'Pass NULL for none.';
    END IF;
    IF p_row.address IS NULL OR jsonb_typeof(p_row.address) <> 'object' THEN
        RAISE EXCEPTION 'partner address must be a JSON object'
            USING ERRCODE = 'ZE003', HINT = 'e.g. {"street": "...", "city": "...", "country": "DE"}; {} for none.';
    END IF;
    IF p_row.is_customer IS NULL OR p_row.is_supplier IS NULL THEN
        RAISE EXCEPTION 'is_customer and is_supplier are true or false, not NULL' USING ERRCODE = 'ZE003';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._partner_validate(erp.erp_partners) IS 'ZE003 unless a partner is valid.';
