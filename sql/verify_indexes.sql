-- Index verification and plan baseline.
--   psql -f sql/verify_indexes.sql > index-baseline-$(date +%F).txt
--   psql -v user_hash=<tenant> -f sql/verify_indexes.sql    (EXPLAIN for that tenant)
-- Lists memvault's indexes with sizes and scan counts, fails when an index is invalid
-- or a vector column has no ANN index, then EXPLAIN ANALYZEs a tenant-scoped ANN query
-- exactly as search_chunks runs it (as memvault_user, iterative scan on). Keep the
-- output: it is the baseline to compare after upgrades, reindexing or growth.
\set ON_ERROR_STOP on
\set QUIET on
\pset footer off

\echo '== indexes'
select table_name, index_name, method, is_valid,
       pg_catalog.pg_size_pretty(size_bytes) as size, coalesce(idx_scan, 0) as scans
from memvault.monitor_indexes
order by table_name, index_name;

select coalesce(string_agg(index_name, ', ') filter (where not is_valid), '') as invalid_indexes,
       count(*) filter (where method in ('hnsw', 'ivfflat') and is_valid) as ann_indexes
from memvault.monitor_indexes
\gset
select count(*) as vector_columns
from pg_catalog.pg_attribute a
join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'memvault' and c.relkind in ('r', 'p') and not a.attisdropped
  and a.atttypid = 'public.vector'::pg_catalog.regtype
  and c.relname not like '%\_ingest' -- staging tables are not searched
\gset

-- The tenant to explain: -v user_hash=..., else the largest tenant (visible to a
-- superuser only; anyone else gets the plan for an empty tenant).
\if :{?user_hash}
\else
  select coalesce((select user_hash from memvault.memory_chunks group by user_hash order by count(*) desc limit 1),
                  pg_catalog.repeat('0', 64)) as user_hash
  \gset
\endif
select a.atttypmod as dims from pg_catalog.pg_attribute a
where a.attrelid = 'memvault.memory_chunks'::pg_catalog.regclass and a.attname = 'embedding'
\gset

\echo
\echo '== plan baseline: top-8 ANN for one tenant, as memvault_user'
begin;
select pg_catalog.set_config('role', 'memvault_user', true),
       pg_catalog.set_config('app.user_hash', :'user_hash', true),
       pg_catalog.set_config('hnsw.iterative_scan', 'relaxed_order', true)
\gset ignored_
select count(*) as tenant_rows from memvault.memory_chunks
\gset
\echo tenant :user_hash (:tenant_rows rows)
explain (analyze, buffers, timing off, summary on)
select c.id
from memvault.memory_chunks c
where c.user_hash = :'user_hash'
order by c.embedding operator(public.<=>) (select pg_catalog.array_agg(pg_catalog.random())::real[]::public.vector
                                           from pg_catalog.generate_series(1, :dims))
limit 8;
rollback;

\echo
\set problems 0
\if :vector_columns
  \if :ann_indexes
  \else
    \echo 'FAIL: vector columns without a valid ANN index'
    \set problems 1
  \endif
\endif
select :'invalid_indexes' <> '' as has_invalid \gset
\if :has_invalid
  \echo 'FAIL: invalid indexes:' :invalid_indexes
  \set problems 1
\endif
\if :problems
  do $$ begin raise exception 'index verification failed'; end $$;
\endif
\echo 'RESULT: indexes verified'
