-- The table a subscriber creates before subscribing to the publication erp_audit: the trail's
-- columns with their types and its primary key, read from the catalog, so it stays right when
-- a later release adds a column. A duplicate event would stop such a subscriber (key
-- violation) instead of being stored twice.
CREATE OR REPLACE FUNCTION erp.audit_subscriber_ddl() RETURNS text
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
SELECT 'CREATE SCHEMA IF NOT EXISTS erp;' || chr(10)
    || 'CREATE TABLE erp.erp_audit_events (' || chr(10)
    || string_agg('    ' || quote_ident(a.attname::text) || ' '
        || format_type(a.atttypid, a.atttypmod)
        || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, ',' || chr(10) ORDER BY a.attnum)
    || ',' || chr(10) || '    PRIMARY KEY ('
    || (SELECT string_agg(quote_ident(k.attname::text), ', ' ORDER BY x.n)
        FROM pg_catalog.pg_constraint AS con
        CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS x (attnum, n)
        INNER JOIN pg_catalog.pg_attribute AS k ON k.attrelid = con.conrelid AND k.attnum = x.attnum
        WHERE con.conrelid = 'erp.erp_audit_events'::regclass AND con.contype = 'p')
    || ')' || chr(10) || ');'
FROM pg_catalog.pg_attribute AS a
WHERE a.attrelid = 'erp.erp_audit_events'::regclass AND a.attnum > 0 AND NOT a.attisdropped
$fn$;
COMMENT ON FUNCTION erp.audit_subscriber_ddl() IS
    'The CREATE TABLE a subscriber of the publication erp_audit runs first (columns and key of the trail).';
REVOKE ALL ON FUNCTION erp.audit_subscriber_ddl() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION erp.audit_subscriber_ddl() TO erp_admin, erp_replicator;
