-- Reverse of 000025: refused once anything is sealed under a tenant's own data key, or any
-- tenant was erased. Before 000025 nothing could open such a value (the schema before has
-- no data keys), and dropping tenant_keys would destroy every tenant's keys, which is an
-- erasure of everyone; dropping tenant_erasures would forget which tenants were erased.
-- The way back from there is forward: a new migration (RUNBOOK, "Per-tenant keys").
-- The owner is subject to FORCE ROW LEVEL SECURITY (it would see no row): lifted for this
-- transaction only, to look.
alter table memvault.tenant_keys no force row level security;
alter table memvault.tenant_erasures no force row level security;
alter table memvault.memory_chunks no force row level security;
alter table memvault.search_requests no force row level security;
do $$
begin
  if exists (select 1 from memvault.tenant_keys) or exists (select 1 from memvault.tenant_erasures)
     or exists (select 1 from memvault.memory_chunks where key_version = 0)
     or exists (select 1 from memvault.search_requests where key_version = 0) then
    raise exception 'refused: memories are sealed under tenants'' own data keys (or a tenant was erased); reversing 000025 would make them unreadable. Roll forward instead (RUNBOOK, Per-tenant keys)'
      using errcode = '55000';
  end if;
end
$$;
alter table memvault.memory_chunks force row level security;
alter table memvault.search_requests force row level security;

drop function if exists memvault.unpurged_erasures(text[], uuid[]);
drop function if exists memvault.erase_tenant(uuid, uuid[], timestamptz);
drop table if exists memvault.tenant_erasures;
drop table if exists memvault.tenant_keys;
revoke delete on memvault.memory_term_stats from memvault_worker;
alter table memvault.memory_chunks drop constraint if exists memory_chunks_key_version_range;
alter table memvault.memory_chunks add constraint memory_chunks_key_version_positive check (key_version > 0);
comment on column memvault.memory_chunks.key_version is 'Keyring version that sealed the *_cipher columns.';
alter table memvault.search_requests drop constraint if exists search_requests_key_version_range;
alter table memvault.search_requests add constraint search_requests_key_version_positive check (key_version > 0);
