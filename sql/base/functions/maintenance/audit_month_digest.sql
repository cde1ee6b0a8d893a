-- The digest of a UTC month of the audit trail, all tenants: the number of events and a
-- running SHA-256 over their canonical lines in id order, from 64 zeros:
--     h = sha256(h || sha256(line)), both as lower-case hex
-- (a single sha256() cannot take more than 1 GB). An archive's manifest carries it, and a
-- month may be purged only while it still equals the digest recorded by audit_archive_record.
CREATE OR REPLACE FUNCTION erp.audit_month_digest(p_month date) RETURNS TABLE (events bigint, sha256 text)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_month date := erp._audit_month_check(p_month);
    v_line text;
BEGIN
    events := 0;
    sha256 := repeat('0', 64);
    FOR v_line IN
        SELECT erp._audit_canonical(e) FROM erp.erp_audit_events AS e
        WHERE e.id >= erp._audit_bound(v_month) AND e.id < erp._audit_bound((v_month + interval '1 month')::date)
        ORDER BY e.id
    LOOP
        sha256 := erp._audit_digest_step(sha256, pg_catalog.sha256(convert_to(v_line, 'UTF8')));
        events := events + 1;
    END LOOP;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION erp.audit_month_digest(date) IS
    'Events and running SHA-256 of the canonical lines of a UTC month (all tenants), in id order.';
REVOKE ALL ON FUNCTION erp.audit_month_digest(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_month_digest(date) TO erp_admin;
