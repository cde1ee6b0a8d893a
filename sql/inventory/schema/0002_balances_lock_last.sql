-- A partial reservation now plans its amount before it updates the balance (lock last) and
-- knows what it asked for, so no statement hands the amount back through the row any more.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

ALTER TABLE erp.inventory_balances DROP COLUMN last_reserved;
