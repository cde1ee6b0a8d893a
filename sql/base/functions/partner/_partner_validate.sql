-- Validation shared by partner_create and partner_update (ZE003 with the field named).
CREATE OR REPLACE FUNCTION erp._partner_validate(p_row erp.erp_partners) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    IF NOT erp._code_name_ok(p_row.code, p_row.name) THEN
        PERFORM erp._code_name_check('partner code', p_row.code, 'partner name', p_row.name);
    END IF;
    IF p_row.kind IS NULL OR p_row.kind NOT IN ('company', 'person') THEN
        RAISE EXCEPTION 'unknown partner kind %', erp._clip(p_row.kind, 20)
            USING ERRCODE = 'ZE003', HINT = 'kind is company or person.';
    END IF;
    IF char_length(p_row.email) > 254 OR p_row.email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' THEN
        RAISE EXCEPTION 'invalid email address %', erp._clip(p_row.email, 60)
            USING ERRCODE = 'ZE003', HINT = 'Expected name@domain.tld (at most 254 characters), or NULL for none.';
    END IF;
    IF btrim(p_row.phone) = '' OR char_length(p_row.phone) > 50 OR erp._has_invisible(p_row.phone) THEN
        RAISE EXCEPTION 'invalid phone number %', erp._clip(p_row.phone, 60)
            USING ERRCODE = 'ZE003', HINT = 'At most 50 characters, or NULL for none.';
    END IF;
    IF NOT erp._code_ok(p_row.tax_id, 100, false) THEN
        PERFORM erp._code_check('tax id', p_row.tax_id, 100, false);
    END IF;
    IF p_row.address IS NULL OR jsonb_typeof(p_row.address) <> 'object' THEN
        RAISE EXCEPTION 'partner address must be a JSON object'
            USING ERRCODE = 'ZE003', HINT = 'e.g. {"street": "...", "city": "...", "country": "DE"}; {} for none.';
    END IF;
    IF octet_length(p_row.address::text) > 16384 THEN
        RAISE EXCEPTION 'partner address is larger than 16 kB (% bytes)', octet_length(p_row.address::text)
            USING ERRCODE = 'ZE003';
    END IF;
    IF p_row.is_customer IS NULL OR p_row.is_supplier IS NULL THEN
        RAISE EXCEPTION 'is_customer and is_supplier are true or false, not NULL' USING ERRCODE = 'ZE003';
    END IF;
END
$fn$;
COMMENT ON FUNCTION erp._partner_validate(erp.erp_partners) IS 'ZE003 unless a partner is valid.';
