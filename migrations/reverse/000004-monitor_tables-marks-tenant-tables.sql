-- Reverse of 000004-monitor_tables-marks-tenant-tables.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop view memvault.monitor_tables;
create view memvault.monitor_tables as
  select c.relname::text as table_name,
         c.relrowsecurity as rls_enabled,
         c.relforcerowsecurity as rls_forced,
         (select count(*) from pg_catalog.pg_policy p where p.polrelid = c.oid)::integer as policies,
         s.n_live_tup as estimated_rows,
         pg_catalog.pg_total_relation_size(c.oid) as total_bytes,
         s.seq_scan, s.idx_scan,
         s.last_autovacuum, s.last_autoanalyze
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_stat_user_tables s on s.relid = c.oid
  where n.nspname = 'memvault' and c.relkind in ('r', 'p');
comment on view memvault.monitor_tables is 'Per table: RLS state, policy count, estimated rows, size and scan counters.';
grant select on memvault.monitor_tables to memvault_monitor;
