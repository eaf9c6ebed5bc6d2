-- Reverse of 000004-monitor_tables-marks-tenant-tables.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop view memvault.monitor_tables;
--!restore-view memvault.monitor_tables
comment on view memvault.monitor_tables is 'Per table: RLS state, policy count, estimated rows, size and scan counters.';
grant select on memvault.monitor_tables to memvault_monitor;
