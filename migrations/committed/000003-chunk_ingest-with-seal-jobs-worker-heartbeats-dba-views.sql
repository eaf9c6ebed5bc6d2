--! Previous: sha1:82d432e74c7cacfa5d017632af2099d6ab41a97b
--! Hash: sha1:1187848bd87d1c75ec2ffb1164b64177ae4c910a
--! Message: chunk_ingest with seal jobs, worker heartbeats, DBA views

-- Ingest: any write path (GraphQL, a DBA's INSERT or COPY) puts plaintext into
-- chunk_ingest; a statement trigger enqueues graphile-worker jobs carrying ids and
-- user_hash only; the worker seals each row into memory_chunks and deletes it.

------------------------------------------------------------------------------
-- graphile-worker's schema is installed by `memvault db migrate` (and the afterReset
-- hook) before these migrations, owned by memvault_owner. memvault_worker runs the jobs
-- without owning anything: grants, plus a policy on each of graphile-worker's RLS tables.
------------------------------------------------------------------------------
grant usage on schema graphile_worker to memvault_worker;
grant select, insert, update, delete on all tables in schema graphile_worker to memvault_worker;
grant usage, select on all sequences in schema graphile_worker to memvault_worker;
grant execute on all functions in schema graphile_worker to memvault_worker;
do $$
declare
  t text;
begin
  for t in
    select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity
  loop
    execute format('drop policy if exists memvault_worker_jobs on graphile_worker.%I', t);
    execute format('create policy memvault_worker_jobs on graphile_worker.%I for all to memvault_worker using (true) with check (true)', t);
  end loop;
end
$$;

------------------------------------------------------------------------------
-- chunk_ingest: plaintext waiting to be sealed (README: "the plaintext window").
------------------------------------------------------------------------------
drop table if exists memvault.chunk_ingest cascade;
create table memvault.chunk_ingest (
  user_hash text not null
    default nullif(pg_catalog.current_setting('app.user_hash', true), '')
    constraint chunk_ingest_user_hash_format check (user_hash ~ '^[0-9a-f]{64}$'),
  id uuid not null default gen_random_uuid(),
  created_at timestamptz not null default now(),
  text text not null
    constraint chunk_ingest_text_size check (octet_length(text) between 1 and :INGEST_MAX_TEXT_BYTES),
  meta jsonb not null default '{}'::jsonb
    constraint chunk_ingest_meta_object check (jsonb_typeof(meta) = 'object')
    constraint chunk_ingest_meta_size check (octet_length(meta::text) <= :INGEST_MAX_META_BYTES),
  -- vector(n) itself rejects a wrong dimension, NaN and infinities (22000 / 22P02).
  embedding public.vector(:EMBEDDING_DIM) not null,
  attempts integer not null default 0,
  last_error text,
  constraint chunk_ingest_pkey primary key (user_hash, id)
);
comment on table memvault.chunk_ingest is 'Plaintext chunks waiting for the worker to seal them into memory_chunks; each row lives until its seal job commits.';
comment on column memvault.chunk_ingest.last_error is 'Error code of the last failed seal attempt (never content).';

alter table memvault.chunk_ingest enable row level security;
alter table memvault.chunk_ingest force row level security;
create policy tenant_isolation on memvault.chunk_ingest
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));

grant insert (user_hash, id, text, meta, embedding) on memvault.chunk_ingest to memvault_user;
grant select (user_hash, id, created_at, attempts, last_error) on memvault.chunk_ingest to memvault_user;
grant delete on memvault.chunk_ingest to memvault_user;
grant select (user_hash, id, created_at, text, meta, embedding, attempts, last_error) on memvault.chunk_ingest to memvault_worker;
grant update (attempts, last_error) on memvault.chunk_ingest to memvault_worker;
grant delete on memvault.chunk_ingest to memvault_worker;

create index chunk_ingest_user_hash_created_at on memvault.chunk_ingest (user_hash, created_at);

-- An id already sealed for this tenant would make the seal job fail for ever: refuse it
-- at the door, as the unique key of the pair would.
create or replace function memvault.tg_chunk_ingest__reject_sealed_id() returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if exists (select 1 from memvault.memory_chunks c where c.user_hash = new.user_hash and c.id = new.id) then
    raise exception 'chunk % already exists', new.id using errcode = '23505', constraint = 'memory_chunks_pkey';
  end if;
  return new;
end;
$$;
create trigger _100_reject_sealed_id before insert on memvault.chunk_ingest
  for each row execute function memvault.tg_chunk_ingest__reject_sealed_id();

-- One statement, whatever its size, enqueues few jobs: a single-row insert gets a
-- seal_chunk job for that row; a bulk insert gets up to 4 seal_batch jobs per tenant,
-- which claim rows with SKIP LOCKED until none are left. Payloads: ids and user_hash only.
create or replace function memvault.tg_chunk_ingest__enqueue_seal() returns trigger
language plpgsql
volatile
security definer -- graphile_worker.add_job is the owner's; callers only insert
set search_path = pg_catalog, pg_temp
as $$
declare
  t record;
  i integer;
begin
  for t in select user_hash, count(*)::integer as n, min(id::text) as only_id from inserted group by user_hash loop
    if t.n = 1 then
      perform graphile_worker.add_job('seal_chunk',
        json_build_object('userHash', t.user_hash, 'id', t.only_id),
        job_key := 'seal_chunk:' || t.user_hash || ':' || t.only_id);
    else
      for i in 1 .. least(4, ceil(t.n / 500.0)::integer) loop
        perform graphile_worker.add_job('seal_batch',
          json_build_object('userHash', t.user_hash),
          job_key := 'seal_batch:' || t.user_hash || ':' || i);
      end loop;
    end if;
  end loop;
  return null;
end;
$$;
revoke all on function memvault.tg_chunk_ingest__enqueue_seal() from public;
create trigger _900_enqueue_seal after insert on memvault.chunk_ingest
  referencing new table as inserted
  for each statement execute function memvault.tg_chunk_ingest__enqueue_seal();

------------------------------------------------------------------------------
-- Worker liveness: graphile-worker keeps a crashed worker's jobs locked for hours;
-- workers record heartbeats so that a live one can unlock the jobs of dead ones.
------------------------------------------------------------------------------
drop table if exists memvault.worker_heartbeats;
create table memvault.worker_heartbeats (
  worker_id text primary key,
  process text not null,
  last_seen timestamptz not null default now()
);
comment on table memvault.worker_heartbeats is 'graphile-worker worker ids of running memvault worker processes, with their last heartbeat. No tenant data.';
grant select, insert, update, delete on memvault.worker_heartbeats to memvault_worker;
grant select on memvault.worker_heartbeats to memvault_monitor;

------------------------------------------------------------------------------
-- DBA views and functions
------------------------------------------------------------------------------
create or replace view memvault.seal_failures as
  -- graphile-worker's public jobs view omits payloads; the ids come from its table.
  select j.id as job_id, t.identifier as task_identifier,
         j.payload ->> 'userHash' as user_hash, j.payload ->> 'id' as chunk_id,
         j.attempts, j.max_attempts, j.last_error, j.created_at, j.updated_at
  from graphile_worker._private_jobs j
  join graphile_worker._private_tasks t on t.id = j.task_id
  where t.identifier in ('seal_chunk', 'seal_batch', 'reseal_chunks') and j.attempts >= j.max_attempts;
comment on view memvault.seal_failures is 'Seal and re-seal jobs that failed permanently (max attempts), with their last error. Ids only, no content. `memvault ingest retry` reschedules them.';

create or replace view memvault.seal_backlog as
  select j.task_identifier, count(*)::integer as jobs,
         count(*) filter (where j.attempts >= j.max_attempts)::integer as failed,
         count(*) filter (where j.locked_at is not null)::integer as running,
         extract(epoch from now() - min(j.created_at)) as oldest_age_seconds
  from graphile_worker.jobs j
  where j.task_identifier in ('seal_chunk', 'seal_batch', 'reseal_chunks')
  group by j.task_identifier;
comment on view memvault.seal_backlog is 'Pending seal and re-seal jobs by task: count, failed, running, age of the oldest.';
grant select on memvault.seal_failures, memvault.seal_backlog to memvault_monitor, memvault_worker;

-- Enqueues a reseal_chunks job for every tenant: each job re-seals that tenant's rows
-- whose key_version is below the worker's primary key. Listing tenants means reading
-- past RLS, which only a superuser can (no memvault role has BYPASSRLS).
create or replace function memvault.request_reseal() returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  n integer := 0;
  t text;
begin
  if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    raise exception 'memvault.request_reseal() must be run by a superuser: it lists every tenant'
      using errcode = '42501';
  end if;
  for t in select distinct user_hash from memvault.memory_chunks loop
    perform graphile_worker.add_job('reseal_chunks', json_build_object('userHash', t),
      job_key := 'reseal_chunks:' || t);
    n := n + 1;
  end loop;
  return n;
end;
$$;
comment on function memvault.request_reseal() is 'Superuser only: enqueue a re-seal job per tenant (rows sealed under an older key version move to the current primary). Returns the number of tenants.';
