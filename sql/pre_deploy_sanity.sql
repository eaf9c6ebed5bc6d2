-- Pre-deploy sanity: is every tenant table isolated and searchable?
--   psql -f sql/pre_deploy_sanity.sql      (exits non-zero when a check fails)
-- A tenant table is any table in schema memvault with a user_hash column.
\set ON_ERROR_STOP on
\set QUIET on
\pset footer off

with tenant_tables as (
  select c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'memvault' and c.relkind in ('r', 'p')
    and exists (select 1 from pg_catalog.pg_attribute a
                where a.attrelid = c.oid and a.attname = 'user_hash' and not a.attisdropped)
),
-- Search tables: every vector column outside the *_ingest staging tables needs an ANN index.
vector_tables as (
  select distinct a.attrelid as oid, c.relname
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'memvault' and c.relkind in ('r', 'p') and not a.attisdropped
    and a.atttypid = 'public.vector'::pg_catalog.regtype
    and c.relname not like '%\_ingest'
),
-- The tenant predicate is memvault.current_user_hash() (or, in older schemas, the same
-- expression pasted); the function only counts while it still reads app.user_hash.
predicate as (
  select coalesce(bool_and(p.prosrc like '%current_setting(''app.user_hash'', true)%' and not p.prosecdef), false) as fn_ok
  from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'memvault' and p.proname = 'current_user_hash'
),
policies as (
  select p.polrelid, p.polname, p.polpermissive, p.polcmd,
         coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '') as using_expr,
         coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '') as check_expr
  from pg_catalog.pg_policy p
),
keyed as (
  select p.*,
         (p.using_expr like '%current_setting(''app.user_hash''%'
          or (p.using_expr like '%memvault.current_user_hash()%' and (select fn_ok from predicate))) as using_keyed,
         (p.check_expr like '%current_setting(''app.user_hash''%'
          or (p.check_expr like '%memvault.current_user_hash()%' and (select fn_ok from predicate))) as check_keyed
  from policies p
),
check1 as (
  select 1 as n, 'RLS enabled and forced on every tenant table' as name,
         count(*) > 0 and bool_and(relrowsecurity and relforcerowsecurity) as passed,
         case when count(*) = 0 then 'no tenant tables found'
              else coalesce('not isolated: ' || string_agg(relname, ', ') filter (where not (relrowsecurity and relforcerowsecurity)),
                            count(*) || ' tenant tables') end as detail
  from tenant_tables
),
check2 as (
  -- Active: RLS on, at least one permissive policy for all commands keyed on
  -- app.user_hash, and no permissive policy that is not keyed on it (a USING (true)
  -- policy would open the table).
  select 2 as n, 'tenant policy present and active' as name,
         count(*) > 0 and bool_and(ok) as passed,
         case when count(*) = 0 then 'no tenant tables found'
              else coalesce('missing or unsafe on: ' || string_agg(relname, ', ') filter (where not ok),
                            count(*) || ' tables keyed on app.user_hash') end as detail
  from (
    select t.relname,
           t.relrowsecurity
           and exists (select 1 from keyed p
                       where p.polrelid = t.oid and p.polpermissive and p.polcmd = '*'
                         and p.using_keyed and p.check_keyed)
           and not exists (select 1 from keyed p
                           where p.polrelid = t.oid and p.polpermissive and not p.using_keyed) as ok
    from tenant_tables t
  ) s
),
check3 as (
  select 3 as n, 'ANN index (HNSW/IVFFlat) present and valid' as name,
         count(*) > 0 and bool_and(ok) as passed,
         case when count(*) = 0 then 'no vector columns found'
              else coalesce('missing or invalid on: ' || string_agg(relname, ', ') filter (where not ok),
                            count(*) || ' vector tables indexed') end as detail
  from (
    select v.relname,
           exists (select 1 from pg_catalog.pg_index x
                   join pg_catalog.pg_class i on i.oid = x.indexrelid
                   join pg_catalog.pg_am am on am.oid = i.relam
                   where x.indrelid = v.oid and am.amname in ('hnsw', 'ivfflat')
                     and x.indisvalid and x.indisready and x.indislive) as ok
    from vector_tables v
  ) s
),
checks as (select * from check1 union all select * from check2 union all select * from check3)
select string_agg(pg_catalog.format('Check %s: %-46s %s  (%s)', n, name, case when passed then 'PASS' else 'FAIL' end, detail),
                  E'\n' order by n) as report,
       count(*) filter (where passed) as passed_count,
       count(*) as check_count,
       bool_and(passed) as all_passed
from checks
\gset

\echo :report

-- On Citus (run on the coordinator): every shard of every distributed tenant table, on
-- every worker node, must have RLS enabled and forced, as the tables here do.
select exists (select 1 from pg_catalog.pg_extension where extname = 'citus') as citus \gset
\if :citus
with shards as (
  select p.logicalrelid::text as table_name, r.shardid, r.success, r.result
  from pg_catalog.pg_dist_partition p
  join pg_catalog.pg_namespace n on n.oid = (select c.relnamespace from pg_catalog.pg_class c where c.oid = p.logicalrelid)
  cross join lateral pg_catalog.run_command_on_shards(p.logicalrelid,
    $$select c.relrowsecurity and c.relforcerowsecurity from pg_catalog.pg_class c where c.oid = '%s'::regclass$$) r
  where n.nspname = 'memvault'
)
select pg_catalog.format('Check 4: %-46s %s  (%s)', 'Citus: RLS enabled and forced on every shard',
         case when coalesce(bool_and(success and result = 't'), true) then 'PASS' else 'FAIL' end,
         case when count(*) = 0 then 'nothing distributed yet: memory_chunks is on the coordinator (memvault db distribute)'
              else coalesce('not forced: ' || string_agg(table_name || ' shard ' || shardid, ', ') filter (where not (success and result = 't')),
                            count(*) || ' shards forced') end) as citus_report,
       coalesce(bool_and(success and result = 't'), true) as citus_passed
from shards
\gset
\echo :citus_report
select :passed_count + :'citus_passed'::boolean::integer as passed_count, :check_count + 1 as check_count,
       :'all_passed'::boolean and :'citus_passed'::boolean as all_passed \gset
\endif

\echo RESULT: :passed_count of :check_count sanity checks PASSED
\if :all_passed
\else
  do $$ begin raise exception 'pre-deploy sanity failed: see the FAIL lines above'; end $$;
\endif
