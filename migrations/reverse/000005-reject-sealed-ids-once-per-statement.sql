-- Reverse of 000005-reject-sealed-ids-once-per-statement.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop trigger if exists _050_reject_sealed_ids on memvault.chunk_ingest;
drop function if exists memvault.tg_chunk_ingest__reject_sealed_ids();
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
