--! Previous: -
--! Hash: sha1:c7fa141ba977a60ce171361f3a878c1e44a988b7
--! Message: memory_chunks with forced RLS, HNSW, search_chunks, monitor views

-- memvault schema: tenant-isolated memory chunks. Every object is qualified; see
-- sql/CONVENTIONS.md for the rules this file follows.
drop schema if exists memvault cascade;
create schema memvault;
comment on schema memvault is 'memvault: tenant-isolated memories. Every tenant table has RLS enabled and forced on user_hash.';

-- Functions are not executable by PUBLIC unless granted here.
alter default privileges in schema memvault revoke all on functions from public;

grant usage on schema memvault to memvault_user, memvault_worker, memvault_monitor;

------------------------------------------------------------------------------
-- memory_chunks: sealed memories. user_hash leads every key, so no key can be
-- probed across tenants (and the table can be sharded by tenant).
------------------------------------------------------------------------------
create table memvault.memory_chunks (
  user_hash text not null
    default nullif(pg_catalog.current_setting('app.user_hash', true), '')
    constraint memory_chunks_user_hash_format check (user_hash ~ '^[0-9a-f]{64}$'),
  id uuid not null default gen_random_uuid(),
  created_at timestamptz not null default now(),
  key_version integer not null constraint memory_chunks_key_version_positive check (key_version > 0),
  text_cipher bytea not null,
  meta_cipher bytea not null,
  emb_cipher bytea not null,
  -- Plaintext on purpose: the ANN index needs it (README, Security).
  embedding public.vector(:EMBEDDING_DIM) not null,
  constraint memory_chunks_pkey primary key (user_hash, id)
);
comment on table memvault.memory_chunks is 'Sealed memory chunks, one tenant per user_hash. Text, meta and an embedding copy are AES-256-GCM sealed in the app tier; embedding is plaintext for ANN search.';
comment on column memvault.memory_chunks.user_hash is 'HMAC-SHA256 (lowercase hex) of the user id, computed by the app tier.';
comment on column memvault.memory_chunks.key_version is 'Keyring version that sealed the *_cipher columns.';

-- RLS before grants: a missing or empty app.user_hash sees nothing.
alter table memvault.memory_chunks enable row level security;
alter table memvault.memory_chunks force row level security;
create policy tenant_isolation on memvault.memory_chunks
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));

grant select (user_hash, id, created_at, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
  on memvault.memory_chunks to memvault_user, memvault_worker;
grant delete on memvault.memory_chunks to memvault_user;
grant insert (user_hash, id, created_at, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
  on memvault.memory_chunks to memvault_worker;
grant update (key_version, text_cipher, meta_cipher, emb_cipher) on memvault.memory_chunks to memvault_worker;

-- pgvector < 0.8.2 (CVE-2026-3172): build HNSW without parallel workers.
set local max_parallel_maintenance_workers = 0;
-- Cosine HNSW. RLS and WHERE filters apply after the approximate scan, so
-- search_chunks turns on iterative scans (see there).
create index memory_chunks_embedding_hnsw on memvault.memory_chunks
  using hnsw (embedding public.vector_cosine_ops)
  where user_hash is not null;
-- Newest-first listing per tenant, and the exact-scan path for small tenants.
create index memory_chunks_user_hash_created_at on memvault.memory_chunks (user_hash, created_at);

------------------------------------------------------------------------------
-- search_chunks: the tenant's k nearest chunks by cosine distance.
------------------------------------------------------------------------------
create function memvault.search_chunks(query public.vector, k integer default 8)
returns table (id uuid, distance double precision)
language plpgsql
volatile -- sets hnsw.* for the transaction
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  tenant text := nullif(current_setting('app.user_hash', true), '');
  ids uuid[];
  distances double precision[];
begin
  if k is null or k < 1 or k > 1000 then
    raise exception 'k must be between 1 and 1000' using errcode = '22023';
  end if;
  if query is null or public.vector_dims(query) <> :EMBEDDING_DIM then
    raise exception 'query embedding must have :EMBEDDING_DIM dimensions' using errcode = '22000';
  end if;
  if tenant is null then
    return; -- fail closed; RLS would return nothing anyway
  end if;

  -- Without iterative scans the HNSW scan returns ef_search candidates and RLS then
  -- drops every other tenant's: a small tenant would get 0 rows.
  perform set_config('hnsw.iterative_scan', 'relaxed_order', true);
  perform set_config('hnsw.ef_search',
    greatest(coalesce(nullif(current_setting('hnsw.ef_search', true), '')::integer, 40), 2 * k)::text, true);

  -- Dynamic SQL so the planner sees this tenant's literal key and its row count:
  -- HNSW for large tenants, an exact scan of the tenant's rows for small ones.
  execute format($sql$
    select coalesce(array_agg(id order by distance, id), '{}'), coalesce(array_agg(distance order by distance, id), '{}')
    from (
      select c.id, c.embedding operator(public.<=>) $1 as distance
      from memvault.memory_chunks c
      where c.user_hash = %L
      order by c.embedding operator(public.<=>) $1
      limit $2
    ) candidates
  $sql$, tenant) into ids, distances using query, k;

  if cardinality(ids) < k then
    -- The iterative scan gives up after hnsw.max_scan_tuples; a tenant it could not fill
    -- is small enough to rank exactly. "+ 0" keeps the planner off the ANN index.
    execute format($sql$
      select coalesce(array_agg(id order by distance, id), '{}'), coalesce(array_agg(distance order by distance, id), '{}')
      from (
        select c.id, (c.embedding operator(public.<=>) $1) + 0 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L
        order by 2
        limit $2
      ) exact
    $sql$, tenant) into ids, distances using query, k;
  end if;

  return query select u.id, u.distance from unnest(ids, distances) as u(id, distance);
end;
$$;
comment on function memvault.search_chunks(public.vector, integer) is
  'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows) rows.';
grant execute on function memvault.search_chunks(public.vector, integer) to memvault_user, memvault_worker;

------------------------------------------------------------------------------
-- Monitoring views for memvault_monitor: statistics and catalog facts, no content.
------------------------------------------------------------------------------
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

create view memvault.monitor_indexes as
  select t.relname::text as table_name,
         i.relname::text as index_name,
         am.amname::text as method,
         x.indisvalid as is_valid,
         pg_catalog.pg_relation_size(i.oid) as size_bytes,
         s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
         pg_catalog.pg_get_indexdef(i.oid) as definition
  from pg_catalog.pg_index x
  join pg_catalog.pg_class i on i.oid = x.indexrelid
  join pg_catalog.pg_class t on t.oid = x.indrelid
  join pg_catalog.pg_namespace n on n.oid = t.relnamespace
  join pg_catalog.pg_am am on am.oid = i.relam
  left join pg_catalog.pg_stat_user_indexes s on s.indexrelid = i.oid
  where n.nspname = 'memvault';
comment on view memvault.monitor_indexes is 'Per index: method, validity, size and how often it was actually scanned.';

create view memvault.monitor_policies as
  select tablename::text as table_name, policyname::text as policy_name, permissive, roles, cmd,
         qual as using_expression, with_check as check_expression
  from pg_catalog.pg_policies
  where schemaname = 'memvault';
comment on view memvault.monitor_policies is 'Row-level security policies on memvault tables.';

grant select on memvault.monitor_tables, memvault.monitor_indexes, memvault.monitor_policies to memvault_monitor;
