--! Previous: sha1:8f86b530ecc776dd0dc0db03217cfed646afbb78
--! Hash: sha1:50fcf3693626de6202d08e891e30183c38ea3ae1
--! Message: hardening: one tenant predicate, zero vectors refused, seal reservations, expiry from the worker

-- Hardening: one tenant predicate for every policy, zero-norm embeddings refused (and
-- harmless to search if any exist), seal counts persisted per key version, and the
-- first expiry of search requests left to the worker's RERANK_RETENTION_SECONDS.

------------------------------------------------------------------------------
-- The tenant predicate, written once. A SQL function with no SET clause and no
-- SECURITY DEFINER is inlined by the planner: policies cost what the pasted
-- expression cost, and an index on user_hash is still used.
------------------------------------------------------------------------------
create or replace function memvault.current_user_hash() returns text
language sql
stable
parallel safe
security invoker
as $$
  select nullif(pg_catalog.current_setting('app.user_hash', true), '')
$$;
comment on function memvault.current_user_hash() is
  'The tenant of this transaction (app.user_hash), or null when unset or empty: then every tenant policy matches nothing.';
grant execute on function memvault.current_user_hash() to memvault_user, memvault_worker, memvault_monitor;

drop policy if exists tenant_isolation on memvault.memory_chunks;
create policy tenant_isolation on memvault.memory_chunks
  for all
  using (user_hash = memvault.current_user_hash())
  with check (user_hash = memvault.current_user_hash());
alter table memvault.memory_chunks alter column user_hash set default memvault.current_user_hash();

drop policy if exists tenant_isolation on memvault.chunk_ingest;
create policy tenant_isolation on memvault.chunk_ingest
  for all
  using (user_hash = memvault.current_user_hash())
  with check (user_hash = memvault.current_user_hash());
alter table memvault.chunk_ingest alter column user_hash set default memvault.current_user_hash();

drop policy if exists tenant_isolation on memvault.search_requests;
create policy tenant_isolation on memvault.search_requests
  for all
  using (user_hash = memvault.current_user_hash())
  with check (user_hash = memvault.current_user_hash());
alter table memvault.search_requests alter column user_hash set default memvault.current_user_hash();

------------------------------------------------------------------------------
-- Zero vectors: cosine distance to one is NaN. Refused at the door (new rows; NOT VALID
-- leaves any existing row alone), and search_chunks skips them and refuses a zero query.
------------------------------------------------------------------------------
alter table memvault.chunk_ingest drop constraint if exists chunk_ingest_embedding_nonzero;
alter table memvault.chunk_ingest add constraint chunk_ingest_embedding_nonzero
  check (public.vector_norm(embedding) > 0) not valid;
alter table memvault.memory_chunks drop constraint if exists memory_chunks_embedding_nonzero;
alter table memvault.memory_chunks add constraint memory_chunks_embedding_nonzero
  check (public.vector_norm(embedding) > 0) not valid;

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
comment on function memvault.search_chunks(public.vector, integer) is
  'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows with a non-zero embedding) rows. Tenants up to memvault.exact_search_max_rows rows (default 2000) are ranked exactly, larger ones through HNSW with iterative scans. A zero query vector is refused (22023).';

------------------------------------------------------------------------------
-- Seal reservations: with random 96-bit nonces a key may seal at most 2^32 times
-- (NIST SP 800-38D 8.3), across every process and restart. Processes reserve blocks
-- here before sealing; a block never handed out again, even if unused.
------------------------------------------------------------------------------
create table if not exists memvault.key_seal_reservations (
  key_version integer not null constraint key_seal_reservations_key_version_positive check (key_version > 0),
  reserved bigint not null constraint key_seal_reservations_bound check (reserved between 0 and 4294967296),
  updated_at timestamptz not null default now(),
  constraint key_seal_reservations_pkey primary key (key_version)
);
comment on table memvault.key_seal_reservations is 'Seals reserved so far per key version (an upper bound on encryptions performed). No tenant data.';
grant select on memvault.key_seal_reservations to memvault_monitor;

create or replace function memvault.reserve_seals(key_version integer, seals integer) returns bigint
language plpgsql
volatile
security definer -- callers reserve; only this function writes the table
set search_path = pg_catalog, pg_temp
as $$
declare
  total bigint;
begin
  if key_version is null or key_version < 1 then
    raise exception 'key_version must be positive' using errcode = '22023';
  end if;
  if seals is null or seals < 1 or seals > 16777216 then
    raise exception 'seals must be between 1 and 2^24' using errcode = '22023';
  end if;
  insert into memvault.key_seal_reservations as r (key_version, reserved)
  values (reserve_seals.key_version, reserve_seals.seals)
  on conflict on constraint key_seal_reservations_pkey do update
    set reserved = r.reserved + excluded.reserved, updated_at = now()
    where r.reserved + excluded.reserved <= 4294967296
  returning r.reserved into total;
  if total is null then
    raise exception 'key version % has reached 2^32 seals: rotate the keyring', reserve_seals.key_version
      using errcode = '54000';
  end if;
  return total;
end;
$$;
comment on function memvault.reserve_seals(integer, integer) is 'Reserves a block of seals under a key version; returns the total reserved. 54000 once 2^32 would be passed.';
grant execute on function memvault.reserve_seals(integer, integer) to memvault_user, memvault_worker;

------------------------------------------------------------------------------
-- Search request expiry: the first expire job of a tenant is due at once; it deletes
-- nothing young and reschedules itself at the oldest request + the worker's
-- RERANK_RETENTION_SECONDS. No retention period is baked in here.
------------------------------------------------------------------------------
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
    job_key := 'expire_search_requests:' || new.user_hash,
    job_key_mode := 'preserve_run_at');
  return null;
end;
$$;
revoke all on function memvault.tg_search_requests__enqueue() from public;
