--! Previous: sha1:68ac6d3d532f9fbd938fde95d05a69eb528e7c85
--! Hash: sha1:bee932695db958c9c20657a7285f7d13c8c7bcb8
--! Message: Keyword search: memory_terms (blind-indexed terms with frequencies and lengths), search_keyword (BM25 under RLS), occurred_at, search_chunks filters on it

-- Keyword search over sealed text, fused with vectors (the retrieval issue), and event time.
-- * memory_terms: per memory, each distinct keyword term as a blind index (HMAC under the
--   term subkey, bound to the tenant, 16 bytes) with its frequency and the memory's length
--   in terms; one "length row" per memory (the empty term_hash) carries the length alone,
--   so the tenant's document count and average length are one index range. The worker
--   writes them when it seals a memory (it holds the plaintext then, as for the embedding);
--   they go with their memory (foreign key, cascade). No plaintext term reaches the database.
-- * search_keyword: BM25 (Lucene's idf, k1 and b given) in SQL under RLS, from the tenant's
--   own document frequencies and lengths; equality on bytea only (leakproof), so the key
--   serves under row-level security (the memory_labels lesson).
-- * occurred_at: when the thing happened, given by the client (created_at is when memvault
--   stored it); both search functions filter on it.
-- * memory_filter_predicates: the filter text both search functions build, written once.

alter table memvault.chunk_ingest add column if not exists occurred_at timestamptz;
alter table memvault.memory_chunks add column if not exists occurred_at timestamptz;
comment on column memvault.chunk_ingest.occurred_at is
  'When the remembered thing happened, as the client says (null: not given).';
comment on column memvault.memory_chunks.occurred_at is
  'When the remembered thing happened, as the client says (null: not given); created_at is when memvault stored it.';
create index if not exists memory_chunks_user_hash_occurred_at on memvault.memory_chunks (user_hash, occurred_at) where occurred_at is not null;
grant insert (occurred_at), update (occurred_at), select (occurred_at) on memvault.chunk_ingest to memvault_user;
grant select (occurred_at) on memvault.chunk_ingest to memvault_worker;
grant select (occurred_at) on memvault.memory_chunks to memvault_user;
grant select (occurred_at), insert (occurred_at), update (occurred_at) on memvault.memory_chunks to memvault_worker;
-- A pending memory whose occurred_at changes is sealed again, like any content change.
drop trigger if exists _900_enqueue_seal_on_update on memvault.chunk_ingest;
create trigger _900_enqueue_seal_on_update
  after update of text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces, occurred_at on memvault.chunk_ingest
  for each row execute function memvault.tg_chunk_ingest__enqueue_reseal();

create table if not exists memvault.memory_terms (
  user_hash text not null default memvault.current_user_hash(),
  term_hash bytea not null,
  memory_id uuid not null,
  frequency integer not null,
  memory_length integer not null,
  -- INCLUDE: scoring reads postings from the key alone (index-only scans).
  constraint memory_terms_pkey primary key (user_hash, term_hash, memory_id) include (frequency, memory_length),
  constraint memory_terms_user_hash_format check (user_hash ~ '^[0-9a-f]{64}$'),
  constraint memory_terms_term_hash_size check (octet_length(term_hash) in (0, 16)),
  constraint memory_terms_counts check (frequency >= 0 and memory_length >= 0 and frequency <= memory_length)
);
comment on table memvault.memory_terms is
  'Blind indexes of sealed memories'' keyword terms: one row per distinct term (HMAC-SHA256 under the term subkey, bound to the tenant, first 16 bytes) with its frequency and the memory''s length in terms, and one length row per memory (empty term_hash, frequency = memory_length). Written by the worker with the memory; deleted with it.';
create index if not exists memory_terms_user_hash_memory_id on memvault.memory_terms (user_hash, memory_id);
alter table memvault.memory_terms enable row level security;
alter table memvault.memory_terms force row level security;
drop policy if exists tenant_isolation on memvault.memory_terms;
create policy tenant_isolation on memvault.memory_terms
  using (user_hash = memvault.current_user_hash()) with check (user_hash = memvault.current_user_hash());
revoke all on memvault.memory_terms from public;
grant select (user_hash, term_hash, memory_id, frequency, memory_length) on memvault.memory_terms to memvault_user;
grant select (user_hash, term_hash, memory_id, frequency, memory_length),
      insert (user_hash, term_hash, memory_id, frequency, memory_length) on memvault.memory_terms to memvault_worker;
grant delete on memvault.memory_terms to memvault_worker;
-- On Citus, beside memory_chunks (a tenant's terms on its chunks' shard), before the foreign key.
do $$
begin
  if to_regclass('pg_catalog.pg_dist_partition') is not null then
    execute $q$
      select pg_catalog.create_distributed_table('memvault.memory_terms', 'user_hash', colocate_with := 'memvault.memory_chunks')
      where exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'memvault.memory_chunks'::regclass)
        and not exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'memvault.memory_terms'::regclass)
    $q$;
  end if;
end
$$;
alter table memvault.memory_terms drop constraint if exists memory_terms_memory_fkey;
alter table memvault.memory_terms add constraint memory_terms_memory_fkey foreign key (user_hash, memory_id)
  references memvault.memory_chunks (user_hash, id) on delete cascade;

-- The filters of a search as predicates on memory_chunks c, for the given ones only: each
-- shape gets a plan that can use its index. Parameters are numbered from first_param in
-- the order of the arguments (scope, scope level, tags any, tags all, created after, created
-- before, occurred after, occurred before). Expiry is the caller's: search_chunks counts
-- expired rows when it only chooses a strategy.
create or replace function memvault.memory_filter_predicates(
  tenant text, first_param integer,
  filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[],
  filter_created_after timestamptz, filter_created_before timestamptz,
  filter_occurred_after timestamptz, filter_occurred_before timestamptz)
returns text
language plpgsql
immutable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  filters text := '';
  labels constant text := ' and c.id in (select l.memory_id from memvault.memory_labels l where l.user_hash = %L and l.label_hash %s)';
begin
  if filter_scope is not null then filters := filters || format(' and c.scope_hash = $%s', first_param); end if;
  if filter_scope_level is not null then filters := filters || format(labels, tenant, format('= $%s', first_param + 1)); end if;
  if filter_tags_any is not null then filters := filters || format(labels, tenant, format('= any($%s)', first_param + 2)); end if;
  if filter_tags_all is not null then
    filters := filters || format(labels, tenant, format('= any($%1$s) group by l.memory_id having count(*) = (select count(distinct h) from unnest($%1$s) as h)', first_param + 3));
  end if;
  if filter_created_after is not null then filters := filters || format(' and c.created_at > $%s', first_param + 4); end if;
  if filter_created_before is not null then filters := filters || format(' and c.created_at < $%s', first_param + 5); end if;
  if filter_occurred_after is not null then filters := filters || format(' and c.occurred_at > $%s', first_param + 6); end if;
  if filter_occurred_before is not null then filters := filters || format(' and c.occurred_at < $%s', first_param + 7); end if;
  return filters;
end;
$$;
revoke all on function memvault.memory_filter_predicates(text, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) from public;
grant execute on function memvault.memory_filter_predicates(text, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) to memvault_user, memvault_worker;

-- search_chunks with the occurred_at filters (two more arguments: a new signature), its
-- filters from memory_filter_predicates. Otherwise as 000014.
drop function if exists memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz);
create or replace function memvault.search_chunks(
  query public.vector,
  k integer default 8,
  filter_scope bytea default null,
  filter_scope_level bytea default null,
  filter_tags_any bytea[] default null,
  filter_tags_all bytea[] default null,
  filter_created_after timestamptz default null,
  filter_created_before timestamptz default null,
  filter_occurred_after timestamptz default null,
  filter_occurred_before timestamptz default null)
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
  filters text;
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

  -- Only the filters given become predicates (parameters $3..$10).
  filters := memvault.memory_filter_predicates(tenant, 3, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
    filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before);

  -- Dynamic SQL throughout so the planner sees this tenant's literal key.
  -- How many rows match, up to exact_max + 1 (without filters: an index-only count)?
  -- Expired rows are counted: the count only chooses the strategy.
  execute format('select count(*) from (select 1 from memvault.memory_chunks c where c.user_hash = %L %s limit %s) s',
                 tenant, filters, exact_max + 1)
    into matching using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
      filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;

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
      into ids, distances using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
        filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;
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
      into ids, distances using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
        filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;
  end if;

  return query select u.id, u.distance from unnest(ids, distances) as u(id, distance);
end;
$$;
comment on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) nearest unexpired chunks by cosine distance that match the filters (scope hash, scope-level hash, any / all of the tag hashes as in memory_labels, created after / before, occurred after / before), nearest first: exactly min(k, matching rows with a non-zero embedding) rows. Up to memvault.exact_search_max_rows matching rows (default 5000) are ranked exactly, more through HNSW with iterative scans and hnsw.ef_search = k * memvault.hnsw_ef_per_k (default 40; at most 1000; never below the session''s hnsw.ef_search). A zero query vector is refused (22023).';
revoke all on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) from public;
grant execute on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) to memvault_user, memvault_worker;

-- BM25 over the tenant's term blind indexes. Per query term t (its query frequency qf):
--   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)),
--   score(d) = sum qf * idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)),
-- with N, df and avgdl this tenant's own (never another's: RLS and the literal key), over
-- all its stored memories: filters choose among the scored, they do not change the scores
-- (as in Lucene). The best `pool` by score are filtered (expiry and the filters given) in
-- slices, widening until k pass or none are left; `pool` grows to every scored memory when
-- the first pool is filtered away.
create or replace function memvault.search_keyword(
  terms bytea[],
  frequencies integer[],
  k integer default 8,
  k1 double precision default 1.2,
  b double precision default 0.75,
  filter_scope bytea default null,
  filter_scope_level bytea default null,
  filter_tags_any bytea[] default null,
  filter_tags_all bytea[] default null,
  filter_created_after timestamptz default null,
  filter_created_before timestamptz default null,
  filter_occurred_after timestamptz default null,
  filter_occurred_before timestamptz default null)
returns table (id uuid, score double precision)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  tenant text := memvault.current_user_hash();
  filters text;
  documents bigint;
  total_length bigint;
  pool integer := greatest(4 * k, 64);
  ids uuid[];
  scores double precision[];
  kept uuid[] := '{}';
  passed uuid[];
  lo integer := 1;
  width integer := greatest(2 * k, 16);
begin
  if k is null or k < 1 or k > 1000 then
    raise exception 'k must be between 1 and 1000' using errcode = '22023';
  end if;
  if terms is null or frequencies is null or cardinality(terms) <> cardinality(frequencies) or cardinality(terms) > 1024 then
    raise exception 'terms and frequencies must be arrays of the same length, at most 1024' using errcode = '22023';
  end if;
  if exists (select 1 from unnest(terms, frequencies) as q(t, f) where t is null or octet_length(t) <> 16 or f is null or f < 1) then
    raise exception 'each term must be a 16-byte hash with a positive frequency' using errcode = '22023';
  end if;
  if k1 is null or k1 < 0 or k1 > 100 or b is null or b < 0 or b > 1 then
    raise exception 'k1 must be between 0 and 100 and b between 0 and 1' using errcode = '22023';
  end if;
  if tenant is null or cardinality(terms) = 0 then
    return; -- fail closed; RLS would return nothing anyway
  end if;

  -- The tenant's memory count and total length: one range of the key (the length rows).
  execute format('select count(*), coalesce(sum(t.memory_length), 0) from memvault.memory_terms t where t.user_hash = %L and t.term_hash = ''\x''::bytea', tenant)
    into documents, total_length;
  if total_length = 0 then
    return;
  end if;

  filters := memvault.memory_filter_predicates(tenant, 2, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
    filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before)
    || ' and (c.expires_at is null or c.expires_at > pg_catalog.now())';

  loop
    execute format($sql$
      with query as (
        select q.term_hash, sum(q.frequency)::double precision as frequency
        from unnest($1::bytea[], $2::integer[]) as q(term_hash, frequency)
        group by q.term_hash
      ), postings as materialized (
        select t.term_hash, t.memory_id, t.frequency, t.memory_length
        from memvault.memory_terms t
        where t.user_hash = %L and t.term_hash = any($1)
      ), idf as (
        select p.term_hash, ln(1 + ($5 - count(*) + 0.5) / (count(*) + 0.5)) as idf
        from postings p group by p.term_hash
      ), scored as (
        select p.memory_id, sum(q.frequency * i.idf * p.frequency * ($3 + 1) / (p.frequency + $3 * (1 - $4 + $4 * p.memory_length / $6))) as score
        from postings p join idf i using (term_hash) join query q using (term_hash)
        group by p.memory_id
        order by 2 desc, 1
        limit $7
      )
      select coalesce(array_agg(memory_id order by score desc, memory_id), '{}'), coalesce(array_agg(score order by score desc, memory_id), '{}')
      from scored
    $sql$, tenant)
      into ids, scores using terms, frequencies, k1, b, documents::double precision, total_length::double precision / documents, pool;

    -- The best first, a slice at a time, until k pass the filters.
    while lo <= cardinality(ids) and cardinality(kept) < k loop
      execute format('select coalesce(array_agg(c.id), ''{}'') from memvault.memory_chunks c where c.user_hash = %L and c.id = any($1) %s', tenant, filters)
        into passed using ids[lo:lo + width - 1], filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
          filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;
      kept := kept || passed;
      lo := lo + width;
      width := least(width * 2, 1000000);
    end loop;
    exit when cardinality(kept) >= k or cardinality(ids) < pool or pool = 2147483647;
    pool := 2147483647; -- the first pool was filtered away: score them all, go on where it stopped
  end loop;

  return query
    select u.id, u.score from unnest(ids, scores) with ordinality as u(id, score, n)
    where u.id = any(kept) order by u.n limit k;
end;
$$;
comment on function memvault.search_keyword(bytea[], integer[], integer, double precision, double precision, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) best unexpired memories by BM25 over the term blind indexes given (16-byte hashes, each with its frequency in the query), that match the filters (as search_chunks), best first, ties by id. Document frequencies, count and average length are the tenant''s own; filters do not change the scores.';
revoke all on function memvault.search_keyword(bytea[], integer[], integer, double precision, double precision, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) from public;
grant execute on function memvault.search_keyword(bytea[], integer[], integer, double precision, double precision, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) to memvault_user, memvault_worker;
