--! Previous: sha1:bee932695db958c9c20657a7285f7d13c8c7bcb8
--! Hash: sha1:9d069553df8f82a73d8e9b30a0f07f064b3eba09
--! Message: Keyword search keeps each tenant's BM25 statistics in memory_term_stats (changed with the memories, not counted per search) and scores in one pass over the postings

-- Keyword search at 100k memories in one tenant (bench:locomo: p95 57 ms, target 50): the
-- tenant's memory count and total length were counted from its length rows on every search,
-- O(memories) (about 15 ms at 100k). memory_term_stats keeps them instead, one row per
-- tenant, changed in the same transaction as the memories: by the worker when it writes or
-- replaces a memory's terms, and by every path that deletes memories (forget, forgetMatching,
-- forgetAll, expiry). memvault.recount_term_stats() (superuser) recounts every tenant from
-- the length rows, for a DBA who deleted memories by hand.
-- search_keyword reads it, and scores in one pass: each query term's weight (query count
-- times idf, its document frequency counted on the key) first, then the postings of every
-- term through the key (index-only), summed per memory.

create table if not exists memvault.memory_term_stats (
  user_hash text not null default memvault.current_user_hash(),
  documents bigint not null default 0,
  total_length bigint not null default 0,
  constraint memory_term_stats_pkey primary key (user_hash),
  constraint memory_term_stats_user_hash_format check (user_hash ~ '^[0-9a-f]{64}$')
);
comment on table memvault.memory_term_stats is
  'Per tenant: how many memories have a keyword index (length rows in memory_terms) and their total length in terms, for BM25. Kept in step by the worker and by every delete path; memvault.recount_term_stats() recounts.';
alter table memvault.memory_term_stats enable row level security;
alter table memvault.memory_term_stats force row level security;
drop policy if exists tenant_isolation on memvault.memory_term_stats;
create policy tenant_isolation on memvault.memory_term_stats
  using (user_hash = memvault.current_user_hash()) with check (user_hash = memvault.current_user_hash());
revoke all on memvault.memory_term_stats from public;
-- Tenants' forgets subtract what they delete; forgetAll deletes the row.
grant select (user_hash, documents, total_length), update (documents, total_length) on memvault.memory_term_stats to memvault_user;
grant delete on memvault.memory_term_stats to memvault_user;
grant select (user_hash, documents, total_length), insert (user_hash, documents, total_length), update (documents, total_length)
  on memvault.memory_term_stats to memvault_worker;
do $$
begin
  if to_regclass('pg_catalog.pg_dist_partition') is not null then
    execute $q$
      select pg_catalog.create_distributed_table('memvault.memory_term_stats', 'user_hash', colocate_with := 'memvault.memory_chunks')
      where exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'memvault.memory_chunks'::regclass)
        and not exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'memvault.memory_term_stats'::regclass)
    $q$;
  end if;
end
$$;

-- Recounts every tenant's row from its length rows (a superuser: it reads every tenant).
create or replace function memvault.recount_term_stats() returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  n integer;
begin
  if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    raise exception 'memvault.recount_term_stats() must be run by a superuser: it reads every tenant' using errcode = '42501';
  end if;
  delete from memvault.memory_term_stats;
  insert into memvault.memory_term_stats (user_hash, documents, total_length)
    select t.user_hash, count(*), coalesce(sum(t.memory_length), 0) from memvault.memory_terms t where t.term_hash = '\x'::bytea group by t.user_hash;
  get diagnostics n = row_count;
  return n;
end;
$$;
comment on function memvault.recount_term_stats() is 'Superuser only: recount memory_term_stats for every tenant from memory_terms'' length rows. Returns the number of tenants.';
revoke all on function memvault.recount_term_stats() from public;

-- Existing keyword indexes (written under 000019) counted once, as the owner with FORCE lifted
-- for this transaction only (it must read every tenant's length rows).
alter table memvault.memory_terms no force row level security;
alter table memvault.memory_term_stats no force row level security;
insert into memvault.memory_term_stats (user_hash, documents, total_length)
  select t.user_hash, count(*), coalesce(sum(t.memory_length), 0) from memvault.memory_terms t where t.term_hash = '\x'::bytea group by t.user_hash
  on conflict (user_hash) do update set documents = excluded.documents, total_length = excluded.total_length;
alter table memvault.memory_terms force row level security;
alter table memvault.memory_term_stats force row level security;

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
  weighted_terms bytea[];
  weights double precision[];
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

  -- The tenant's memory count and total length, kept by every writer (memory_term_stats).
  execute format('select s.documents, s.total_length from memvault.memory_term_stats s where s.user_hash = %L', tenant)
    into documents, total_length;
  if documents is null or documents <= 0 then
    return;
  end if;
  if total_length <= 0 then
    return;
  end if;

  filters := memvault.memory_filter_predicates(tenant, 2, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
    filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before)
    || ' and (c.expires_at is null or c.expires_at > pg_catalog.now())';

  loop
    -- Each distinct query term's weight: its count in the query times its idf (df from the key).
    execute format($sql$
      select coalesce(array_agg(q.term_hash), '{}'), coalesce(array_agg(q.frequency * ln(1 + ($3 - d.n + 0.5) / (d.n + 0.5))), '{}')
      from (select term_hash, sum(frequency)::double precision as frequency from unnest($1::bytea[], $2::integer[]) as u(term_hash, frequency) group by term_hash) q
      cross join lateral (select count(*)::double precision as n from memvault.memory_terms t where t.user_hash = %L and t.term_hash = q.term_hash) d
      where d.n > 0
    $sql$, tenant) into weighted_terms, weights using terms, frequencies, documents::double precision;
    execute format($sql$
      select coalesce(array_agg(memory_id order by score desc, memory_id), '{}'), coalesce(array_agg(score order by score desc, memory_id), '{}')
      from (
        select p.memory_id, sum(w.weight * p.frequency * ($3 + 1) / (p.frequency + $3 * (1 - $4 + $4 * p.memory_length / $5))) as score
        from unnest($1::bytea[], $2::double precision[]) as w(term_hash, weight)
        cross join lateral (select t.memory_id, t.frequency, t.memory_length from memvault.memory_terms t where t.user_hash = %L and t.term_hash = w.term_hash) p
        group by p.memory_id
        order by 2 desc, 1
        limit $6
      ) scored
    $sql$, tenant) into ids, scores using weighted_terms, weights, k1, b, total_length::double precision / documents, pool;

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
