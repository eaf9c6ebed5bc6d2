--! Previous: sha1:f56105a6dfb9477aff16e3fb48ddf9b141080319
--! Hash: sha1:08262afe2b7c0de1a81b8a9b2a243ee34f169a00
--! Message: reject sealed ids once per statement

-- Cheaper ingest: bench:ingest showed the per-row BEFORE trigger among the costs of a
-- bulk insert. The already-sealed-id check now runs once per statement, as one join
-- against the inserted rows. SECURITY INVOKER on purpose: the inserting role sees its own
-- tenant's chunks (a superuser sees all), which is exactly the set an id may collide with.
drop trigger if exists _100_reject_sealed_id on memvault.chunk_ingest;
drop function if exists memvault.tg_chunk_ingest__reject_sealed_id();

create or replace function memvault.tg_chunk_ingest__reject_sealed_ids() returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  taken uuid;
begin
  select i.id into taken
  from inserted i join memvault.memory_chunks c on c.user_hash = i.user_hash and c.id = i.id
  limit 1;
  if found then
    raise exception 'chunk % already exists', taken using errcode = '23505', constraint = 'memory_chunks_pkey';
  end if;
  return null;
end;
$$;
drop trigger if exists _050_reject_sealed_ids on memvault.chunk_ingest;
create trigger _050_reject_sealed_ids after insert on memvault.chunk_ingest
  referencing new table as inserted
  for each statement execute function memvault.tg_chunk_ingest__reject_sealed_ids();
