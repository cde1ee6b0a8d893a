BEGIN;
SELECT plan(2);
SELECT has_schema('erp');
SELECT has_table('erp', 'erp_audit_events', 'the audit trail exists');
SELECT * FROM finish();
ROLLBACK;
