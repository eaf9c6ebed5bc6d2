--! Previous: sha1:08262afe2b7c0de1a81b8a9b2a243ee34f169a00
--! Hash: sha1:8f86b530ecc776dd0dc0db03217cfed646afbb78
--! Message: search_requests for rerank write-back

-- Rerank write-back: a search request holds the tenant's ANN candidates and the sealed
-- query; a rerank_search job scores them and writes the order back (or why it did not),
-- then NOTIFYs with the request id only.
drop table if exists memvault.search_requests cascade;
create table memvault.search_requests (
  user_hash text not null
    default nullif(pg_catalog.current_setting('app.user_hash', true), '')
    constraint search_requests_user_hash_format check (user_hash ~ '^[0-9a-f]{64}$'),
  id uuid not null default gen_random_uuid(),
  created_at timestamptz not null default now(),
  -- AES-256-GCM, AAD (tenant, search_requests, query, id, key version)
  query_cipher bytea not null,
  key_version integer not null constraint search_requests_key_version_positive check (key_version > 0),
  candidate_ids uuid[] not null,
  candidate_distances double precision[] not null,
  deadline timestamptz not null,
  status text not null default 'pending'
    constraint search_requests_status check (status in ('pending', 'reranked', 'skipped')),
  skip_reason text
    constraint search_requests_skip_reason check (skip_reason in ('timeout', 'error', 'breaker_open', 'disabled', 'no_model', 'deadline')),
  ranked_ids uuid[],
  scores real[],
  latency_ms double precision,
  finished_at timestamptz,
  constraint search_requests_candidates check (
    cardinality(candidate_ids) = cardinality(candidate_distances) and cardinality(candidate_ids) <= 100),
  constraint search_requests_pkey primary key (user_hash, id)
);
comment on table memvault.search_requests is 'Rerank requests: ANN candidates in order, the sealed query, and the reranked order or the skip reason. Deleted after the retention period.';

alter table memvault.search_requests enable row level security;
alter table memvault.search_requests force row level security;
create policy tenant_isolation on memvault.search_requests
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));

grant insert (user_hash, id, query_cipher, key_version, candidate_ids, candidate_distances, deadline)
  on memvault.search_requests to memvault_user;
grant select (user_hash, id, created_at, candidate_ids, candidate_distances, deadline, status, skip_reason, ranked_ids, scores, latency_ms, finished_at)
  on memvault.search_requests to memvault_user;
grant delete on memvault.search_requests to memvault_user;
grant select on memvault.search_requests to memvault_worker;
grant update (status, skip_reason, ranked_ids, scores, latency_ms, finished_at) on memvault.search_requests to memvault_worker;
grant delete on memvault.search_requests to memvault_worker;

create index search_requests_user_hash_created_at on memvault.search_requests (user_hash, created_at);

-- Each request gets a rerank_search job; each tenant one pending expire_search_requests
-- job, due when its oldest request passes the retention period.
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
revoke all on function memvault.tg_search_requests__enqueue() from public;
create trigger _900_enqueue_rerank after insert on memvault.search_requests
  for each row execute function memvault.tg_search_requests__enqueue();
