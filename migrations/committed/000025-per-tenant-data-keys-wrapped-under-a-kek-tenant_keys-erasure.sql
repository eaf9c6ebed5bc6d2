--! Previous: sha1:3e0662f009361fd0910540b5de92df0159352314
--! Hash: sha1:9b59f70631d3372fc854b4f9b62212a72270c8ca
--! Message: Per-tenant data keys wrapped under a KEK (tenant_keys), erasure by key destruction (tenant_erasures, erase_tenant, unpurged_erasures), key_version 0 for values sealed under a tenant's key; existing rows queued for re-sealing onto them

-- Per-tenant data keys (envelope encryption) and erasure by key destruction.
--
-- Each tenant's rows, labels and search queries are sealed under its own random data keys
-- (DEKs), which the database holds only wrapped under a key-encryption key (KEK) that never
-- enters it: the keyring's, or an HSM's (PKCS#11). Version 0 is the root of the tenant's
-- blind-index keys (labels and keyword terms); versions 1 and up seal. A tenant whose rows
-- predate this migration gets sealing keys but no version 0: its blind indexes stay under
-- the pepper's keys, which its existing hashes were made with.
--
-- Erasing a tenant deletes its wrapped keys in one transaction: from that commit on nothing
-- of it opens, in this database or in any backup restored later (the record of erasures
-- lives with the KEK provider, outside the database, and the provider refuses to unwrap an
-- erased key). memvault.erase_tenant() records the erasure in tenant_erasures and enqueues
-- the purge of the now unreadable rows (purge_tenant jobs).

create table if not exists memvault.tenant_keys (
  user_hash text not null default memvault.current_user_hash(),
  version integer not null,
  key_id uuid not null,
  kek_id text not null,
  wrapped bytea not null,
  created_at timestamptz not null default now(),
  constraint tenant_keys_pkey primary key (user_hash, version),
  constraint tenant_keys_user_hash_length check (length(user_hash) = 64),
  constraint tenant_keys_version_range check (version between 0 and 1000000),
  constraint tenant_keys_kek_id_length check (length(kek_id) between 1 and 200),
  constraint tenant_keys_wrapped_length check (octet_length(wrapped) between 33 and 512)
);
comment on table memvault.tenant_keys is
  'Per tenant: its data keys, each wrapped under the key-encryption key kek_id names (never stored unwrapped). Version 0 roots the blind-index keys; 1 and up seal. Deleted, all at once, by memvault.erase_tenant().';
alter table memvault.tenant_keys enable row level security;
alter table memvault.tenant_keys force row level security;
drop policy if exists tenant_isolation on memvault.tenant_keys;
create policy tenant_isolation on memvault.tenant_keys
  using (user_hash = memvault.current_user_hash()) with check (user_hash = memvault.current_user_hash());
revoke all on memvault.tenant_keys from public;
-- The API and the worker create a tenant's keys on its first write, and read its own. With
-- created_at among the insertable columns: Citus evaluates a default on the coordinator and
-- sends the shard an explicit value, which needs the column's privilege there.
grant select (user_hash, version, key_id, kek_id, wrapped, created_at), insert (user_hash, version, key_id, kek_id, wrapped, created_at)
  on memvault.tenant_keys to memvault_user, memvault_worker;
-- The worker's purge deletes keys a restore brought back.
grant delete on memvault.tenant_keys to memvault_worker;

create table if not exists memvault.tenant_erasures (
  user_hash text not null default memvault.current_user_hash(),
  erasure_id uuid not null,
  erased_at timestamptz not null default now(),
  key_ids uuid[] not null,
  memories_at_erasure bigint not null default 0,
  purged_memories bigint not null default 0,
  purged_at timestamptz,
  receipt jsonb,
  constraint tenant_erasures_pkey primary key (user_hash, erasure_id),
  constraint tenant_erasures_user_hash_length check (length(user_hash) = 64)
);
comment on table memvault.tenant_erasures is
  'Per tenant: each erasure (its keys destroyed at erased_at), the purge''s progress, and the signed receipt once purged. While a purge is unfinished the tenant sees nothing and cannot write.';
alter table memvault.tenant_erasures enable row level security;
alter table memvault.tenant_erasures force row level security;
drop policy if exists tenant_isolation on memvault.tenant_erasures;
create policy tenant_isolation on memvault.tenant_erasures
  using (user_hash = memvault.current_user_hash()) with check (user_hash = memvault.current_user_hash());
revoke all on memvault.tenant_erasures from public;
grant select (user_hash, erasure_id, erased_at, key_ids, memories_at_erasure, purged_memories, purged_at, receipt) on memvault.tenant_erasures to memvault_user;
grant select (user_hash, erasure_id, erased_at, key_ids, memories_at_erasure, purged_memories, purged_at, receipt), update (purged_memories, purged_at, receipt)
  on memvault.tenant_erasures to memvault_worker;
grant delete on memvault.memory_term_stats to memvault_worker;

do $$
begin
  if to_regclass('pg_catalog.pg_dist_partition') is not null then
    execute $q$
      select pg_catalog.create_distributed_table(t, 'user_hash', colocate_with := 'memvault.memory_chunks')
      from unnest(array['memvault.tenant_keys', 'memvault.tenant_erasures']) as t
      where exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'memvault.memory_chunks'::regclass)
        and not exists (select 1 from pg_catalog.pg_dist_partition p where p.logicalrelid = t::regclass)
    $q$;
  end if;
end
$$;

-- Erases the current tenant: its keys go (in this transaction), its pending plaintext and
-- sealed search queries with them, and a purge_tenant job deletes the rest in batches.
-- The caller (the API as memvault_user, or `memvault tenant erase`) has already written the
-- erasure to the KEK provider's record (key_ids): a failure here leaves the keys refused,
-- and the next start finishes it. The worker calls it too, at start, for an erasure on that
-- record the database does not know (a restored backup), with the recorded time.
create or replace function memvault.erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamptz default null)
returns table (erased_at timestamptz, memories bigint)
language plpgsql
volatile
security definer -- graphile_worker.add_job is the owner's; the policies still see one tenant
set search_path = pg_catalog, pg_temp
as $$
declare
  tenant text := memvault.current_user_hash();
  at timestamptz := coalesce(recorded_at, pg_catalog.now());
  n bigint;
begin
  if tenant is null then
    raise exception 'no tenant is set' using errcode = '42501';
  end if;
  if erasure is null or erased_key_ids is null then
    raise exception 'erasure and erased_key_ids are required' using errcode = '22023';
  end if;
  delete from memvault.tenant_keys k where k.user_hash = tenant;
  delete from memvault.chunk_ingest c where c.user_hash = tenant;
  delete from memvault.search_requests s where s.user_hash = tenant;
  select pg_catalog.count(*) into n from memvault.memory_chunks m where m.user_hash = tenant;
  insert into memvault.tenant_erasures (user_hash, erasure_id, erased_at, key_ids, memories_at_erasure)
    values (tenant, erasure, at, erased_key_ids, n)
    on conflict (user_hash, erasure_id) do nothing;
  perform graphile_worker.add_job('purge_tenant', json_build_object('userHash', tenant, 'erasureId', erasure),
    job_key := 'purge_tenant:' || tenant || ':' || erasure::text, max_attempts := 25);
  return query select at, n;
end;
$$;
comment on function memvault.erase_tenant(uuid, uuid[], timestamptz) is
  'Erases the current tenant (app.user_hash): deletes its wrapped data keys, pending memories and search requests, records the erasure (at recorded_at, default now) and enqueues its purge_tenant job. Returns when, and how many sealed memories the purge will delete.';
revoke all on function memvault.erase_tenant(uuid, uuid[], timestamptz) from public;
grant execute on function memvault.erase_tenant(uuid, uuid[], timestamptz) to memvault_user, memvault_worker;

-- Which of these erasures (from the ledger outside the database) the database does not hold
-- as purged: `known` when it holds the erasure with its purge still to finish, otherwise it
-- does not know it at all (a restored backup: the worker erases again before it serves).
-- It names only erasures the caller already knows of.
create or replace function memvault.unpurged_erasures(user_hashes text[], erasure_ids uuid[])
returns table (user_hash text, erasure_id uuid, known boolean)
language plpgsql
volatile
security definer -- reads each given tenant's erasures (as that tenant), for exactly the pairs given
set search_path = pg_catalog, pg_temp
as $$
declare
  caller text := pg_catalog.current_setting('app.user_hash', true);
  h text;
  e uuid;
  purged timestamptz;
  found_row boolean;
begin
  if pg_catalog.cardinality(user_hashes) is distinct from pg_catalog.cardinality(erasure_ids) then
    raise exception 'user_hashes and erasure_ids must be arrays of the same length' using errcode = '22023';
  end if;
  for h, e in select * from unnest(user_hashes, erasure_ids) loop
    -- The owner is subject to the policies too: each pair is read as its own tenant (SET
    -- LOCAL, which Citus forwards to the shard's node).
    execute pg_catalog.format('set local app.user_hash = %L', h);
    select true, t.purged_at into found_row, purged from memvault.tenant_erasures t where t.user_hash = h and t.erasure_id = e;
    if purged is null then
      user_hash := h;
      erasure_id := e;
      known := coalesce(found_row, false);
      return next;
    end if;
    found_row := null;
    purged := null;
  end loop;
  execute pg_catalog.format('set local app.user_hash = %L', coalesce(caller, ''));
end;
$$;
comment on function memvault.unpurged_erasures(text[], uuid[]) is
  'Of the (tenant, erasure) pairs given, those the database does not hold as purged; known: it holds the erasure, its purge unfinished (otherwise a restore lost it).';
revoke all on function memvault.unpurged_erasures(text[], uuid[]) from public;
grant execute on function memvault.unpurged_erasures(text[], uuid[]) to memvault_worker;

-- key_version 0: sealed under the tenant's own data key (the key's version is in each sealed
-- value's header). Rows still sealed under a keyring version (1 and up) are moved to the
-- tenant's key by reseal_chunks jobs (`memvault keys rotate`, memvault.request_reseal()).
alter table memvault.memory_chunks drop constraint if exists memory_chunks_key_version_positive;
alter table memvault.memory_chunks drop constraint if exists memory_chunks_key_version_range;
alter table memvault.memory_chunks add constraint memory_chunks_key_version_range check (key_version >= 0);
comment on column memvault.memory_chunks.key_version is
  'Keyring version that sealed the *_cipher columns; 0: the tenant''s own data key (memvault.tenant_keys; its version is in each value''s header).';
alter table memvault.search_requests drop constraint if exists search_requests_key_version_positive;
alter table memvault.search_requests drop constraint if exists search_requests_key_version_range;
alter table memvault.search_requests add constraint search_requests_key_version_range check (key_version >= 0);

-- A deploy onto existing memories: each tenant with rows still under a keyring version gets a
-- reseal_chunks job (as memvault.request_reseal() queues them), which moves them onto the
-- tenant's own key in the background, batch by batch, resumable; the keyring keeps opening
-- what is not moved yet. The owner is subject to FORCE ROW LEVEL SECURITY: lifted for this
-- transaction only, to list the tenants.
alter table memvault.memory_chunks no force row level security;
do $$
declare
  t text;
begin
  for t in select distinct c.user_hash from memvault.memory_chunks c where c.key_version > 0 loop
    perform graphile_worker.add_job('reseal_chunks', json_build_object('userHash', t), job_key := 'reseal_chunks:' || t);
  end loop;
end
$$;
alter table memvault.memory_chunks force row level security;
