-- The canonical lines of a UTC month, all tenants, in digest (id) order: what an archive
-- holds. `python -m harness audit archive` reads it, so exporting needs no table privilege.
CREATE OR REPLACE FUNCTION erp.audit_month_export(p_month date) RETURNS SETOF text
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_month date := erp._audit_month_check(p_month);
BEGIN
    RETURN QUERY
    SELECT erp._audit_canonical(e) FROM erp.erp_audit_events AS e
    WHERE e.id >= erp._audit_bound(v_month) AND e.id < erp._audit_bound((v_month + interval '1 month')::date)
    ORDER BY e.id;
END
$fn$;
COMMENT ON FUNCTION erp.audit_month_export(date) IS
    'Canonical lines of the events of a UTC month (all tenants) in id order: the archive content.';
REVOKE ALL ON FUNCTION erp.audit_month_export(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_month_export(date) TO erp_admin;
