-- Reverse of 000002-search_chunks-ranks-small-tenants-exactly.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
create or replace function memvault.search_chunks(query public.vector, k integer default 8)
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
