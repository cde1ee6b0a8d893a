-- Creates the partition of one UTC month, protected, and attaches it. Built as a plain table
-- and ATTACHed (SHARE UPDATE EXCLUSIVE on the trail: writers go on) rather than CREATE TABLE
-- ... PARTITION OF (ACCESS EXCLUSIVE); the CHECK on its range spares ATTACH a scan. The
-- default partition is kept empty, so the scan ATTACH makes of it finds nothing.
-- p_from (the detached default partition, when it is drained): its events of the month are
-- copied into the table while it is still a plain table, before ATTACH. Rows written there
-- are not published (the publication erp_audit sees only the trail and its attached
-- partitions), so a subscriber that already received them never receives them twice.
CREATE OR REPLACE FUNCTION erp._audit_create_partition(p_month date, p_from regclass DEFAULT NULL) RETURNS text
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_month date := date_trunc('month', p_month)::date;
    v_name text := 'erp_audit_events_p' || pg_catalog.to_char(v_month, 'FMYYYY_MM');
    v_lo uuid := erp._audit_bound(v_month);
    v_hi uuid := erp._audit_bound((v_month + interval '1 month')::date);
BEGIN
    -- identifiers with %I, bounds with %L; only the owner runs this
    -- @plpgsql_check_options: security_warnings = false
    EXECUTE pg_catalog.format('CREATE TABLE erp.%I (LIKE erp.erp_audit_events INCLUDING DEFAULTS '
        'INCLUDING CONSTRAINTS INCLUDING INDEXES)', v_name);
    EXECUTE pg_catalog.format('ALTER TABLE erp.%I ADD CONSTRAINT %I CHECK (id >= %L::uuid AND id < %L::uuid)',
        v_name, v_name || '_range', v_lo, v_hi);
    PERFORM erp._audit_protect(pg_catalog.format('erp.%I', v_name)::regclass);
    EXECUTE pg_catalog.format('COMMENT ON TABLE erp.%I IS %L', v_name,
        pg_catalog.format('Audit events of %s (UTC), ids %s .. %s', pg_catalog.to_char(v_month, 'YYYY-MM'), v_lo, v_hi));
    IF p_from IS NOT NULL THEN
        EXECUTE pg_catalog.format('INSERT INTO erp.%I SELECT d.* FROM %s AS d WHERE d.id >= $1 AND d.id < $2',
            v_name, p_from) USING v_lo, v_hi;
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE erp.erp_audit_events ATTACH PARTITION erp.%I FOR VALUES FROM (%L) TO (%L)',
        v_name, v_lo, v_hi);
    RETURN 'erp.' || v_name;
END
$fn$;
COMMENT ON FUNCTION erp._audit_create_partition(date, regclass) IS
    'Creates, protects and attaches the audit partition of one UTC month (with the events of p_from in it, unpublished); returns its name.';
