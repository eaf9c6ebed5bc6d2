--! Previous: sha1:1c890ebaf7e65c3dc5f2c49356304e2521270d77
--! Hash: sha1:e441d617b8f10c7fa7658e0831b8e685dae42b3a
--! Message: Memory API: text-only memories, blind-indexed scope and tags (memory_labels), replacements, expiry, filtered search_chunks

-- A memory API assistants can use directly (the memory API issue):
-- * text-only memories: chunk_ingest.embedding may be null; the worker embeds the text
--   in the seal job, before sealing, in the same transaction;
-- * scope and tags as blind indexes: keyed HMACs computed in the app tier (tenant-bound,
--   so a hash means nothing in another tenant), never plaintext; the labels themselves are
--   sealed (labels_cipher) for their owner. memory_labels holds one row per label hash
--   (scope levels and tags), so filters are btree equality lookups: PostgreSQL uses an
--   index under row-level security only for leakproof operators, which bytea = is and
--   array overlap (&&, for a GIN index) is not;
-- * updates and upserts: an ingest row with `replaces` set replaces the sealed memory of
--   the same id when the worker moves it (readers see the old version until then);
-- * expires_at: expired memories are never returned and are deleted by expire_memories;
-- * search_chunks takes the filters, so a selective filter is ranked exactly and a broad
--   one goes through HNSW with the filter inside the iterative scan.

alter table memvault.chunk_ingest alter column embedding drop not null;
alter table memvault.chunk_ingest add column if not exists scope_hash bytea;
alter table memvault.chunk_ingest add column if not exists scope_path bytea[] not null default '{}';
alter table memvault.chunk_ingest add column if not exists tag_hashes bytea[] not null default '{}';
alter table memvault.chunk_ingest add column if not exists labels_cipher bytea;
alter table memvault.chunk_ingest add column if not exists expires_at timestamptz;
alter table memvault.chunk_ingest add column if not exists replaces boolean not null default false;
alter table memvault.chunk_ingest drop constraint if exists chunk_ingest_labels_shape;
alter table memvault.chunk_ingest add constraint chunk_ingest_labels_shape check (
  (scope_hash is null or octet_length(scope_hash) = 32)
  and cardinality(scope_path) <= 8 and cardinality(tag_hashes) <= 32
  and (labels_cipher is null or octet_length(labels_cipher) <= 8192));
comment on column memvault.chunk_ingest.embedding is
  'Null for a text-only memory: the seal job embeds the text before sealing it.';
comment on column memvault.chunk_ingest.replaces is
  'Set by update and upsert: the sealed memory with this id, if any, is replaced when this row is sealed.';

alter table memvault.memory_chunks add column if not exists scope_hash bytea;
alter table memvault.memory_chunks add column if not exists labels_cipher bytea;
alter table memvault.memory_chunks add column if not exists expires_at timestamptz;
alter table memvault.memory_chunks add column if not exists updated_at timestamptz;
comment on column memvault.memory_chunks.scope_hash is
  'Blind index of the scope: HMAC-SHA256 under the label subkey, bound to the tenant. Equality only.';
comment on column memvault.memory_chunks.labels_cipher is
  'The scope and tags (JSON), sealed like text_cipher; null when the memory has neither.';
comment on column memvault.memory_chunks.expires_at is
  'Past this time the memory is never returned; expire_memories deletes it.';
create index if not exists memory_chunks_user_hash_scope_hash on memvault.memory_chunks (user_hash, scope_hash) where scope_hash is not null;
create index if not exists memory_chunks_user_hash_expires_at on memvault.memory_chunks (user_hash, expires_at) where expires_at is not null;

create table if not exists memvault.memory_labels (
  user_hash text not null default memvault.current_user_hash(),
  label_hash bytea not null,
  memory_id uuid not null,
  constraint memory_labels_pkey primary key (user_hash, label_hash, memory_id),
  constraint memory_labels_user_hash_format check (user_hash ~ '^[0-9a-f]{64}$'),
  constraint memory_labels_label_hash_size check (octet_length(label_hash) = 32)
);
comment on table memvault.memory_labels is
  'Blind indexes of sealed memories'' labels, one row per label: every scope level and every tag (HMAC-SHA256 under the label subkey, bound to tenant and purpose). Deleted with their memory.';
-- The cascade from memory_chunks looks rows up by memory.
create index if not exists memory_labels_user_hash_memory_id on memvault.memory_labels (user_hash, memory_id);
alter table memvault.memory_labels enable row level security;
alter table memvault.memory_labels force row level security;
drop policy if exists tenant_isolation on memvault.memory_labels;
create policy tenant_isolation on memvault.memory_labels
  using (user_hash = memvault.current_user_hash()) with check (user_hash = memvault.current_user_hash());
revoke all on memvault.memory_labels from public;
grant select (user_hash, label_hash, memory_id) on memvault.memory_labels to memvault_user;
grant select (user_hash, label_hash, memory_id), insert (user_hash, label_hash, memory_id) on memvault.memory_labels to memvault_worker;
grant delete on memvault.memory_labels to memvault_worker;
-- On Citus, where memory_chunks is already distributed, memory_labels is distributed beside
-- it (colocated: a tenant's labels live on its chunks' shard) before the foreign key, which
-- Citus allows between colocated distributed tables only. Dynamic SQL: without Citus
-- neither its catalog nor its function exists.
do $$
begin
  if to_regclass('pg_catalog.pg_dist_partition') is not null then
    execute $q$
      select pg_catalog.create_distributed_table('memvault.memory_labels', 'user_hash', colocate_with := 'memvault.memory_chunks')
      where exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'memvault.memory_chunks'::regclass)
        and not exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'memvault.memory_labels'::regclass)
    $q$;
  end if;
end
$$;
alter table memvault.memory_labels drop constraint if exists memory_labels_memory_fkey;
alter table memvault.memory_labels add constraint memory_labels_memory_fkey foreign key (user_hash, memory_id)
  references memvault.memory_chunks (user_hash, id) on delete cascade;

-- Tenants write labels, expiry and replacements; updating a pending memory rewrites its row.
grant insert (scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces) on memvault.chunk_ingest to memvault_user;
grant update (text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces, attempts, last_error)
  on memvault.chunk_ingest to memvault_user;
grant select (scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces) on memvault.chunk_ingest to memvault_user;
grant select (scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces) on memvault.chunk_ingest to memvault_worker;
grant select (scope_hash, labels_cipher, expires_at, updated_at) on memvault.memory_chunks to memvault_user;
grant select (scope_hash, labels_cipher, expires_at, updated_at),
      insert (scope_hash, labels_cipher, expires_at, updated_at),
      update (scope_hash, labels_cipher, expires_at, updated_at, embedding)
  on memvault.memory_chunks to memvault_worker;
-- expire_memories deletes the tenant's expired rows.
grant delete on memvault.memory_chunks to memvault_worker;

-- A pending memory that is updated gets a fresh seal job at once: it may be waiting out
-- a retry delay (an embedder that was down), and its new contents deserve a new attempt.
-- Only content columns count: the worker's own updates (attempts, last_error) never
-- enqueue, or a failing row would retry for ever.
create or replace function memvault.tg_chunk_ingest__enqueue_reseal() returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform graphile_worker.add_job('seal_chunk',
    json_build_object('userHash', new.user_hash, 'id', new.id),
    job_key := 'seal_chunk:' || new.user_hash || ':' || new.id, job_key_mode := 'replace');
  return null;
end;
$$;
revoke all on function memvault.tg_chunk_ingest__enqueue_reseal() from public;
drop trigger if exists _900_enqueue_seal_on_update on memvault.chunk_ingest;
create trigger _900_enqueue_seal_on_update
  after update of text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces on memvault.chunk_ingest
  for each row execute function memvault.tg_chunk_ingest__enqueue_reseal();

-- Replacement rows name an id that is sealed on purpose.
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
  for t in select i.user_hash, array_agg(i.id) as ids from inserted i where not i.replaces group by i.user_hash loop
    execute format('select c.id from memvault.memory_chunks c where c.user_hash = %L and c.id = any($1) limit 1', t.user_hash)
      into taken using t.ids;
    if taken is not null then
      raise exception 'chunk % already exists', taken using errcode = '23505', constraint = 'memory_chunks_pkey';
    end if;
  end loop;
  return null;
end;
$$;

drop function if exists memvault.search_chunks(public.vector, integer);
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
  exact_max integer := coalesce(nullif(current_setting('memvault.exact_search_max_rows', true), '')::integer, 2000);
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
  'The current tenant''s k (1..1000) nearest unexpired chunks by cosine distance that match the filters (scope hash, scope-level hash, any / all of the tag hashes as in memory_labels, created after / before), nearest first: exactly min(k, matching rows with a non-zero embedding) rows. Up to memvault.exact_search_max_rows matching rows (default 2000) are ranked exactly, more through HNSW with iterative scans. A zero query vector is refused (22023).';
revoke all on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) from public;
grant execute on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) to memvault_user, memvault_worker;
