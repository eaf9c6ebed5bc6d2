-- Reverse of 000011: text-only memories, labels, replacements and expiry go; search_chunks
-- takes (query, k) again (000010). Refused (23502, not null) while text-only memories wait
-- in chunk_ingest: let the worker embed them first.
drop trigger if exists _900_enqueue_seal_on_update on memvault.chunk_ingest;
drop function if exists memvault.tg_chunk_ingest__enqueue_reseal();
drop function if exists memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz);
create or replace function memvault.tg_chunk_ingest__reject_sealed_ids() returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  t record;
  taken uuid;
begin
  for t in select i.user_hash, array_agg(i.id) as ids from inserted i group by i.user_hash loop
    execute format('select c.id from memvault.memory_chunks c where c.user_hash = %L and c.id = any($1) limit 1', t.user_hash)
      into taken using t.ids;
    if taken is not null then
      raise exception 'chunk % already exists', taken using errcode = '23505', constraint = 'memory_chunks_pkey';
    end if;
  end loop;
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
    -- SET LOCAL, not set_config(): Citus sends SET LOCAL (never set_config) on to the
    -- worker node that runs the scan, when the tenant transaction propagates SET LOCAL.
    execute 'set local hnsw.iterative_scan = relaxed_order';
    execute format('set local hnsw.ef_search = %s',
      greatest(coalesce(nullif(current_setting('hnsw.ef_search', true), '')::integer, 40), 2 * k));
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
comment on function memvault.search_chunks(public.vector, integer) is
  'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows with a non-zero embedding) rows. Tenants up to memvault.exact_search_max_rows rows (default 2000) are ranked exactly, larger ones through HNSW with iterative scans. A zero query vector is refused (22023).';
grant execute on function memvault.search_chunks(public.vector, integer) to memvault_user, memvault_worker;

-- Nothing erased comes back and no update is half-applied: the schema below has no expiry
-- (an expired memory the sweep has not deleted yet would be visible again) and no updates
-- (a pending new version would be sealed as a second memory). Both are deleted here, and
-- `deploy rollback` counts and names them before it asks. The owner is subject to FORCE
-- ROW LEVEL SECURITY (it would see no row): lifted for this transaction only.
alter table memvault.memory_chunks no force row level security;
alter table memvault.chunk_ingest no force row level security;
delete from memvault.memory_chunks where expires_at <= pg_catalog.now();
delete from memvault.chunk_ingest where expires_at <= pg_catalog.now() or replaces;
alter table memvault.memory_chunks force row level security;
alter table memvault.chunk_ingest force row level security;

revoke delete on memvault.memory_chunks from memvault_worker;
revoke update (embedding) on memvault.memory_chunks from memvault_worker;
revoke update (text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces, attempts, last_error)
  on memvault.chunk_ingest from memvault_user;
drop table if exists memvault.memory_labels;
drop index if exists memvault.memory_chunks_user_hash_scope_hash;
drop index if exists memvault.memory_chunks_user_hash_expires_at;
alter table memvault.memory_chunks
  drop column if exists scope_hash, drop column if exists labels_cipher, drop column if exists expires_at, drop column if exists updated_at;
alter table memvault.chunk_ingest drop constraint if exists chunk_ingest_labels_shape;
alter table memvault.chunk_ingest
  drop column if exists scope_hash, drop column if exists scope_path, drop column if exists tag_hashes,
  drop column if exists labels_cipher, drop column if exists expires_at, drop column if exists replaces;
comment on column memvault.chunk_ingest.embedding is null;
alter table memvault.chunk_ingest alter column embedding set not null;
