-- Monitoring: tenant tables, policies, ANN indexes and whether they are actually used.
--   psql -f sql/monitoring.sql           (exits non-zero when isolation or an index is broken)
-- Reads only the memvault.monitor_* views, so it runs as memvault_monitor, which has no
-- access to any content. Row counts are planner statistics (pg_stat), not counts: an
-- exact count would have to read tenant data.
\set ON_ERROR_STOP on
\set QUIET on
\pset footer off

\echo '== tenant tables'
select table_name, is_tenant_table as tenant, rls_enabled, rls_forced, policies, estimated_rows,
       pg_catalog.pg_size_pretty(total_bytes) as total_size, seq_scan, idx_scan
from memvault.monitor_tables order by table_name;

\echo '== policies'
select table_name, policy_name, permissive, cmd, using_expression
from memvault.monitor_policies order by table_name, policy_name;

\echo '== indexes (scans since the statistics were last reset)'
select table_name, index_name, method, is_valid, pg_catalog.pg_size_pretty(size_bytes) as size,
       coalesce(idx_scan, 0) as scans, coalesce(idx_tup_read, 0) as tuples_read,
       case when coalesce(idx_scan, 0) = 0 then 'never scanned' else '' end as note
from memvault.monitor_indexes order by table_name, index_name;

\echo '== reranker rollouts (active, or ended in the last day)'
select name, state, control_variant as control, treatment_variant as treatment,
       current_step || '/' || steps as step, treatment_share_bp as share_bp,
       failures || '/' || failure_limit as failures, last_treatment_verdict, next_evaluation_at
from memvault.monitor_rerank_rollouts
where state in ('pending', 'running', 'paused') or finished_at > now() - interval '1 day'
order by id;

select (select count(*) from memvault.monitor_tables
        where is_tenant_table and (not (rls_enabled and rls_forced) or policies = 0)) as unisolated,
       (select count(*) from memvault.monitor_indexes where not is_valid) as invalid,
       (select count(*) from memvault.monitor_indexes where method in ('hnsw', 'ivfflat') and is_valid) as ann
\gset
select :unisolated + :invalid > 0 or :ann = 0 as broken \gset
\if :broken
  \echo 'FAIL:' :unisolated 'tenant tables without forced RLS or a policy,' :invalid 'invalid indexes,' :ann 'valid ANN indexes'
  do $$ begin raise exception 'monitoring found a problem'; end $$;
\endif
\echo 'RESULT: isolation and indexes OK'
