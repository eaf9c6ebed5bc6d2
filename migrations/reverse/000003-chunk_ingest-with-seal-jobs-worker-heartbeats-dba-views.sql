-- Reverse of 000003-chunk_ingest-with-seal-jobs-worker-heartbeats-dba-views.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop function if exists memvault.request_reseal();
drop view if exists memvault.seal_backlog;
drop view if exists memvault.seal_failures;
drop table if exists memvault.worker_heartbeats;
drop table if exists memvault.chunk_ingest cascade;
drop function if exists memvault.tg_chunk_ingest__enqueue_seal();
drop function if exists memvault.tg_chunk_ingest__reject_sealed_id();
do $$
declare
  t text;
begin
  for t in
    select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'graphile_worker' and c.relkind = 'r'
  loop
    execute format('drop policy if exists memvault_worker_jobs on graphile_worker.%I', t);
  end loop;
end
$$;
revoke execute on all functions in schema graphile_worker from memvault_worker;
revoke usage, select on all sequences in schema graphile_worker from memvault_worker;
revoke select, insert, update, delete on all tables in schema graphile_worker from memvault_worker;
revoke usage on schema graphile_worker from memvault_worker;
