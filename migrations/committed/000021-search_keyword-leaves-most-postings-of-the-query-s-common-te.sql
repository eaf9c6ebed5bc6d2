--! Previous: sha1:9d069553df8f82a73d8e9b30a0f07f064b3eba09
--! Hash: sha1:95c7ee50a32201d566111929be1e9fe8578d39e2
--! Message: search_keyword leaves most postings of the query's common terms unread (MaxScore) in large tenants: memories without a rarer term cannot reach the top k once enough score above the common terms' bound; otherwise every posting is scored as before

-- search_keyword skips most postings of the query's common terms (MaxScore): at 100k memories a
-- query with a term in a quarter of them read all 25,000 of its postings (p95 38 ms in SQL,
-- bench:locomo). Same results: the order it trusts is exact; when too few memories score
-- above the bound (or filters drop them), it scores every posting as before.
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
  avg_length double precision;
  weighted_terms bytea[];
  weights double precision[];
  dfs bigint[];
  -- How many of the most frequent terms the first attempt scores only for candidates.
  common integer := 0;
  -- Pruning pays when it leaves many postings unread; a small tenant is scored whole.
  prune_min integer := coalesce(nullif(current_setting('memvault.keyword_prune_min_postings', true), '')::integer, 10000);
  candidates uuid[];
  bound double precision;
  pool integer := greatest(4 * k, 64);
  ids uuid[];
  scores double precision[];
  exact integer;
  kept uuid[];
  passed uuid[];
  lo integer;
  width integer;
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
  if documents is null or documents <= 0 or total_length <= 0 then
    return;
  end if;
  avg_length := total_length::double precision / documents;
  filters := memvault.memory_filter_predicates(tenant, 2, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
    filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before)
    || ' and (c.expires_at is null or c.expires_at > pg_catalog.now())';

  -- Each distinct query term the tenant has: its weight (count in the query times idf) and
  -- its document frequency (counted on the key), the most frequent first.
  execute format($sql$
    select array_agg(term_hash order by n desc, term_hash), array_agg(weight order by n desc, term_hash), array_agg(n order by n desc, term_hash)
    from (
      select q.term_hash, q.frequency * ln(1 + ($3 - d.n + 0.5) / (d.n + 0.5)) as weight, d.n
      from (select term_hash, sum(frequency)::double precision as frequency from unnest($1::bytea[], $2::integer[]) as u(term_hash, frequency) group by term_hash) q
      cross join lateral (select count(*) as n from memvault.memory_terms t where t.user_hash = %L and t.term_hash = q.term_hash) d
      where d.n > 0
    ) w
  $sql$, tenant) into weighted_terms, weights, dfs using terms, frequencies, documents::double precision;
  if weighted_terms is null then
    return;
  end if;

  -- MaxScore (Turtle and Flood, 1995): a memory holding none of the rarer terms scores at most
  -- `bound`, the common terms' weights times (k1 + 1). The first attempt leaves out the terms
  -- in at least 2% of the tenant's memories (keeping one term at least), scores the memories
  -- that hold a rarer term, and trusts its order down to the last score above `bound`. Only
  -- when the terms left out hold at least memvault.keyword_prune_min_postings postings
  -- (default 10,000): below that, scoring everything is as fast as a failed attempt.
  while common + 1 < cardinality(weighted_terms) and dfs[common + 1] * 50 >= documents loop
    common := common + 1;
  end loop;
  if common > 0 and (select sum(n) from unnest(dfs[1:common]) as n) < prune_min then
    common := 0;
  end if;

  loop
    kept := '{}';
    lo := 1;
    width := greatest(2 * k, 16);
    if common > 0 then
      execute format('select coalesce(array_agg(distinct t.memory_id), ''{}'') from memvault.memory_terms t where t.user_hash = %L and t.term_hash = any($1)', tenant)
        into candidates using weighted_terms[common + 1:];
      bound := (select sum(w) from unnest(weights[1:common]) as w) * (k1 + 1);
    end if;
    execute format($sql$
      select coalesce(array_agg(memory_id order by score desc, memory_id), '{}'), coalesce(array_agg(score order by score desc, memory_id), '{}')
      from (
        select p.memory_id, sum(p.weight * p.frequency * ($3 + 1) / (p.frequency + $3 * (1 - $4 + $4 * p.memory_length / $5))) as score
        from (
          -- The rarer terms' postings whole (every term's, without candidates), through the key.
          select w.weight, t.memory_id, t.frequency, t.memory_length
          from unnest($1::bytea[], $2::double precision[]) with ordinality as w(term_hash, weight, n)
          join memvault.memory_terms t on t.user_hash = %1$L and t.term_hash = w.term_hash
          where w.n > $7
          union all
          -- The common terms' postings of the candidates only: one probe of the key each.
          select w.weight, t.memory_id, t.frequency, t.memory_length
          from unnest($1::bytea[], $2::double precision[]) with ordinality as w(term_hash, weight, n)
          join memvault.memory_terms t on t.user_hash = %1$L and t.term_hash = w.term_hash and t.memory_id = any($8)
          where w.n <= $7
        ) p
        group by p.memory_id
        order by 2 desc, 1
        limit $6
      ) scored
    $sql$, tenant) into ids, scores using weighted_terms, weights, k1, b, avg_length, case when common > 0 then null else pool end, common, candidates;
    exact := case when common > 0 then coalesce((select max(u.n) from unnest(scores) with ordinality as u(s, n) where u.s > bound), 0) else cardinality(ids) end;

    -- The best first, a slice at a time, until k pass the filters.
    while lo <= exact and cardinality(kept) < k loop
      execute format('select coalesce(array_agg(c.id), ''{}'') from memvault.memory_chunks c where c.user_hash = %L and c.id = any($1) %s', tenant, filters)
        into passed using ids[lo:least(lo + width - 1, exact)], filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
          filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;
      kept := kept || passed;
      lo := lo + width;
      width := least(width * 2, 1000000);
    end loop;
    exit when cardinality(kept) >= k or (common = 0 and (cardinality(ids) < pool or pool = 2147483647));
    -- Not enough above the bound, or the pool was filtered away: score every posting, all of them.
    if common = 0 then
      pool := 2147483647;
    end if;
    common := 0;
  end loop;

  return query
    select u.id, u.score from unnest(ids, scores) with ordinality as u(id, score, n)
    where u.id = any(kept) order by u.n limit k;
end;
$$;
comment on function memvault.search_keyword(bytea[], integer[], integer, double precision, double precision, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) best unexpired memories by BM25 over the term blind indexes given (16-byte hashes, each with its frequency in the query), that match the filters (as search_chunks), best first, ties by id. Document frequencies, count and average length are the tenant''s own; filters do not change the scores.';
