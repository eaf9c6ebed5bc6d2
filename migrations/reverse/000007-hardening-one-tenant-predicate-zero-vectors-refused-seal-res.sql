-- Reverse of 000007-hardening-one-tenant-predicate-zero-vectors-refused-seal-res.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop policy if exists tenant_isolation on memvault.memory_chunks;
create policy tenant_isolation on memvault.memory_chunks
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));
alter table memvault.memory_chunks alter column user_hash set default nullif(pg_catalog.current_setting('app.user_hash', true), '');
drop policy if exists tenant_isolation on memvault.chunk_ingest;
create policy tenant_isolation on memvault.chunk_ingest
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));
alter table memvault.chunk_ingest alter column user_hash set default nullif(pg_catalog.current_setting('app.user_hash', true), '');
drop policy if exists tenant_isolation on memvault.search_requests;
create policy tenant_isolation on memvault.search_requests
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));
alter table memvault.search_requests alter column user_hash set default nullif(pg_catalog.current_setting('app.user_hash', true), '');
alter table memvault.chunk_ingest drop constraint if exists chunk_ingest_embedding_nonzero;
alter table memvault.memory_chunks drop constraint if exists memory_chunks_embedding_nonzero;
create or replace function memvault.search_chunks(query public.vector, k integer default 8)
returns table (id uuid, distance double precision)
language plpgsql
volatile -- sets hnsw.* for the transaction
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  tenant text := nullif(current_setting('app.user_hash', true), '');
  exact_max integer := coalesce(nullif(current_setting('memvault.exact_search_max_rows', true), '')::integer, 2000);
  tenant_rows integer;
  ids uuid[] := '{}';
  distances double precision[] := '{}';
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

  -- Dynamic SQL throughout so the planner sees this tenant's literal key.
  -- How big is the tenant, up to exact_max + 1 rows (an index-only count)?
  execute format('select count(*) from (select 1 from memvault.memory_chunks c where c.user_hash = %L limit %s) s',
                 tenant, exact_max + 1) into tenant_rows;

  if tenant_rows > exact_max then
    -- Without iterative scans the HNSW scan returns ef_search candidates and RLS then
    -- drops every other tenant's: a small share of the table would get too few rows.
    perform set_config('hnsw.iterative_scan', 'relaxed_order', true);
    perform set_config('hnsw.ef_search',
      greatest(coalesce(nullif(current_setting('hnsw.ef_search', true), '')::integer, 40), 2 * k)::text, true);
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
  end if;

  if cardinality(ids) < k and tenant_rows > 0 then
    -- Small tenants, and large ones whose iterative scan gave up at hnsw.max_scan_tuples:
    -- rank the tenant's rows exactly. "+ 0" keeps the planner off the ANN index.
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
  'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows) rows. Tenants up to memvault.exact_search_max_rows rows (default 2000) are ranked exactly, larger ones through HNSW with iterative scans.';
create or replace function memvault.tg_search_requests__enqueue() returns trigger
language plpgsql
volatile
security definer -- graphile_worker.add_job is the owner's
set search_path = pg_catalog, pg_temp
as $$
begin
  perform graphile_worker.add_job('rerank_search',
    json_build_object('userHash', new.user_hash, 'id', new.id),
    max_attempts := 1, priority := -10);
  perform graphile_worker.add_job('expire_search_requests',
    json_build_object('userHash', new.user_hash),
    run_at := now() + interval '1 hour',
    job_key := 'expire_search_requests:' || new.user_hash,
    job_key_mode := 'preserve_run_at');
  return null;
end;
$$;
drop function if exists memvault.reserve_seals(integer, integer);
drop table if exists memvault.key_seal_reservations;
drop function if exists memvault.current_user_hash();
