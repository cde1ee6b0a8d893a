-- The write check of a sales tax (erp_meta.entity_types.write_check), called by the generated
-- erp.sales_tax_create (p_old NULL) and erp.sales_tax_update: the table's rules (code unique
-- per tenant after trim + NFKC + case folding, 0 <= rate < 1000 with at most 4 decimals).
-- Draft orders take a changed rate when their lines next change or when they are confirmed;
-- confirmed orders keep their amounts.
CREATE OR REPLACE FUNCTION erp._sales_tax_write_check(
    p_tenant_id uuid, p_old erp.sales_taxes, p_new erp.sales_taxes
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM erp._sales_tax_check(p_tenant_id, ARRAY[p_new], p_old.id IS NULL);
END
$fn$;
COMMENT ON FUNCTION erp._sales_tax_write_check(uuid, erp.sales_taxes, erp.sales_taxes) IS
    'Checks a sales tax before it is written (the table''s rules, with defaults on create).';
