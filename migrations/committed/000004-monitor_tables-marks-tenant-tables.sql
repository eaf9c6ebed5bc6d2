--! Previous: sha1:1187848bd87d1c75ec2ffb1164b64177ae4c910a
--! Hash: sha1:f56105a6dfb9477aff16e3fb48ddf9b141080319
--! Message: monitor_tables marks tenant tables

-- monitor_tables says which tables are tenant tables (they carry user_hash), so that
-- monitoring holds exactly those to the forced-RLS rule and not, say, worker_heartbeats.
create or replace view memvault.monitor_tables as
  select c.relname::text as table_name,
         c.relrowsecurity as rls_enabled,
         c.relforcerowsecurity as rls_forced,
         (select count(*) from pg_catalog.pg_policy p where p.polrelid = c.oid)::integer as policies,
         s.n_live_tup as estimated_rows,
         pg_catalog.pg_total_relation_size(c.oid) as total_bytes,
         s.seq_scan, s.idx_scan,
         s.last_autovacuum, s.last_autoanalyze,
         exists (select 1 from pg_catalog.pg_attribute a
                 where a.attrelid = c.oid and a.attname = 'user_hash' and not a.attisdropped) as is_tenant_table
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_stat_user_tables s on s.relid = c.oid
  where n.nspname = 'memvault' and c.relkind in ('r', 'p');
