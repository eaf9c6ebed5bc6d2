--! Previous: sha1:1c10219366674e5d2de7cdeb3d65f0a37c40b849
--! Hash: sha1:f6a6b47ab9076a5d488f2ca8928f8572ba446847
--! Message: search_chunks: the HNSW branch sorted by distance + 0 (PostgreSQL 16+ took the scan as presorted)

-- search_chunks: the HNSW branch's results sorted again by an expression the planner cannot
-- take as presorted (PostgreSQL 16+ skipped the sort, and relaxed_order's misorders reached
-- the caller: "nearest first" failed on PostgreSQL 17). Otherwise as 000012.
create or replace function memvault.search_chunks(
  query public.vector,
  k integer default 8,
  filter_scope bytea default null,
  filter_scope_level bytea default null,
  filter_tags_any bytea[] default null,
  filter_tags_all bytea[] default null,
  filter_created_after timestamptz default null,
  filter_created_before timestamptz default null)
returns table (id uuid, distance double precision)
language plpgsql
volatile -- sets hnsw.* for the transaction
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  tenant text := memvault.current_user_hash();
  exact_max integer := coalesce(nullif(current_setting('memvault.exact_search_max_rows', true), '')::integer, 5000);
  -- The HNSW rule (bench:ann, README "ANN recall"): ef_search = k * ef_per_k, at most
  -- pgvector's 1000.
  ef_per_k integer := coalesce(nullif(current_setting('memvault.hnsw_ef_per_k', true), '')::integer, 40);
  matching integer;
  filters text := '';
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

  -- Only the filters given become predicates (parameters $3..$8), so each shape gets a
  -- plan that can use its index: memory_labels' key for scope levels and tags, the btree
  -- for the exact scope.
  if filter_scope is not null then filters := filters || ' and c.scope_hash = $3'; end if;
  if filter_scope_level is not null then
    filters := filters || format(' and c.id in (select l.memory_id from memvault.memory_labels l where l.user_hash = %L and l.label_hash = $4)', tenant);
  end if;
  if filter_tags_any is not null then
    filters := filters || format(' and c.id in (select l.memory_id from memvault.memory_labels l where l.user_hash = %L and l.label_hash = any($5))', tenant);
  end if;
  if filter_tags_all is not null then
    filters := filters || format(' and c.id in (select l.memory_id from memvault.memory_labels l where l.user_hash = %L and l.label_hash = any($6)'
      ' group by l.memory_id having count(*) = (select count(distinct h) from unnest($6) as h))', tenant);
  end if;
  if filter_created_after is not null then filters := filters || ' and c.created_at > $7'; end if;
  if filter_created_before is not null then filters := filters || ' and c.created_at < $8'; end if;

  -- Dynamic SQL throughout so the planner sees this tenant's literal key.
  -- How many rows match, up to exact_max + 1 (without filters: an index-only count)?
  -- Expired rows are counted: the count only chooses the strategy.
  execute format('select count(*) from (select 1 from memvault.memory_chunks c where c.user_hash = %L %s limit %s) s',
                 tenant, filters, exact_max + 1)
    into matching using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all, filter_created_after, filter_created_before;

  filters := filters || ' and (c.expires_at is null or c.expires_at > pg_catalog.now())';

  if matching > exact_max then
    -- Without iterative scans the HNSW scan returns ef_search candidates and RLS and the
    -- filters then drop the rest: a small share of the table would get too few rows.
    -- Measured on 100k clustered rows (bench:ann --sweep): with ef_search 40 a tenant
    -- holding half the table got recall@8 0.93, with 15k 0.99, with 25k 0.993-1.0 over six
    -- index builds, with 40k 0.999-1.0 at the same latency. A tenant
    -- holding 3% makes the scan skip 97% of what it visits (p95 7.9 ms, recall 0.993),
    -- where ranking its rows exactly takes 2 ms: hence exact up to 5000 rows. The result
    -- is sorted again because relaxed_order may hand out later finds out of order: by
    -- "distance + 0", which the planner cannot match to the scan's ORDER BY. Sorting by
    -- "distance" itself, PostgreSQL 16 and later take the scan's output as already sorted
    -- (presorted input for ordered aggregates) and relaxed_order's misorders reach the caller.
    -- (The cosine HNSW index holds no zero vectors.)
    -- SET LOCAL, not set_config(): Citus sends SET LOCAL (never set_config) on to the
    -- worker node that runs the scan, when the tenant transaction propagates SET LOCAL.
    execute 'set local hnsw.iterative_scan = relaxed_order';
    execute format('set local hnsw.ef_search = %s',
      least(1000, greatest(coalesce(nullif(current_setting('hnsw.ef_search', true), '')::integer, 40), k * greatest(1, ef_per_k))));
    execute format($sql$
      select coalesce(array_agg(id order by distance + 0, id), '{}'), coalesce(array_agg(distance order by distance + 0, id), '{}')
      from (
        select c.id, c.embedding operator(public.<=>) $1 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L %s
        order by c.embedding operator(public.<=>) $1
        limit $2
      ) candidates
      where distance <> 'NaN'::double precision
    $sql$, tenant, filters)
      into ids, distances using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all, filter_created_after, filter_created_before;
  end if;

  if cardinality(ids) < k and matching > 0 then
    -- Few matching rows, and large sets whose iterative scan gave up at
    -- hnsw.max_scan_tuples: rank the matching rows exactly. "+ 0" keeps the planner off the
    -- ANN index. A zero vector (NaN distance; only rows from before the CHECK) is never a hit.
    execute format($sql$
      select coalesce(array_agg(id order by distance, id), '{}'), coalesce(array_agg(distance order by distance, id), '{}')
      from (
        select c.id, (c.embedding operator(public.<=>) $1) + 0 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L %s
          and (c.embedding operator(public.<=>) $1) <> 'NaN'::double precision
        order by 2
        limit $2
      ) exact
    $sql$, tenant, filters)
      into ids, distances using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all, filter_created_after, filter_created_before;
  end if;

  return query select u.id, u.distance from unnest(ids, distances) as u(id, distance);
end;
$$;
comment on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) nearest unexpired chunks by cosine distance that match the filters (scope hash, scope-level hash, any / all of the tag hashes as in memory_labels, created after / before), nearest first: exactly min(k, matching rows with a non-zero embedding) rows. Up to memvault.exact_search_max_rows matching rows (default 5000) are ranked exactly, more through HNSW with iterative scans and hnsw.ef_search = k * memvault.hnsw_ef_per_k (default 40; at most 1000; never below the session''s hnsw.ef_search). A zero query vector is refused (22023).';
revoke all on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) from public;
grant execute on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) to memvault_user, memvault_worker;
