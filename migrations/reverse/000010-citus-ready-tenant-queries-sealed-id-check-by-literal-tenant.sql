-- Reverse of 000010: the sealed-id check as one join again (000005), search_chunks with
-- set_config() for hnsw.* again (000007).
create or replace function memvault.tg_chunk_ingest__reject_sealed_ids() returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  taken uuid;
begin
  select i.id into taken
  from inserted i join memvault.memory_chunks c on c.user_hash = i.user_hash and c.id = i.id
  limit 1;
  if found then
    raise exception 'chunk % already exists', taken using errcode = '23505', constraint = 'memory_chunks_pkey';
  end if;
  return null;
end;
$$;

create or replace function memvault.search_chunks(query public.vector, k integer default 8)
returns table (id uuid, distance double precision)
language plpgsql
volatile -- sets hnsw.* for the transaction
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  tenant text := memvault.current_user_hash();
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
  if public.vector_norm(query) = 0 then
    raise exception 'query embedding must not be the zero vector' using errcode = '22023';
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
    -- (The cosine HNSW index holds no zero vectors.)
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
      where distance <> 'NaN'::double precision
    $sql$, tenant) into ids, distances using query, k;
  end if;

  if cardinality(ids) < k and tenant_rows > 0 then
    -- Small tenants, and large ones whose iterative scan gave up at hnsw.max_scan_tuples:
    -- rank the tenant's rows exactly. "+ 0" keeps the planner off the ANN index. A zero
    -- vector (NaN distance; only rows from before the CHECK) is never a hit.
    execute format($sql$
      select coalesce(array_agg(id order by distance, id), '{}'), coalesce(array_agg(distance order by distance, id), '{}')
      from (
        select c.id, (c.embedding operator(public.<=>) $1) + 0 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L
          and (c.embedding operator(public.<=>) $1) <> 'NaN'::double precision
        order by 2
        limit $2
      ) exact
    $sql$, tenant) into ids, distances using query, k;
  end if;

  return query select u.id, u.distance from unnest(ids, distances) as u(id, distance);
end;
$$;
