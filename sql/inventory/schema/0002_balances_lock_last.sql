-- A partial reservation now plans its amount before it updates the balance (lock last) and
-- knows what it asked for, so no statement hands the amount back through the row any more.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
SET LOCAL ROLE erp_owner;

-- a derived table no client writes, and the column was only ever read by the function that set it
-- squawk-ignore ban-drop-column
ALTER TABLE erp.inventory_balances DROP COLUMN last_reserved;
