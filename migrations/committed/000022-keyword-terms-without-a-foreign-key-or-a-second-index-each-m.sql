--! Previous: sha1:95c7ee50a32201d566111929be1e9fe8578d39e2
--! Hash: sha1:269201db5121bd15070208d37a112a574643c7be
--! Message: Keyword terms without a foreign key or a second index: each memory's length row lists its terms, every delete path deletes them through the primary key and subtracts them from the statistics

-- The keyword index's writes cost a third of the seal path (bench:ingest: sealed rows/s with
-- terms 0.63 of without, target 0.8): per term row a foreign-key check and a second index
-- (user_hash, memory_id), both there only so that a memory's terms go with it. Instead each
-- memory's length row lists its terms (term_hashes: the 16-byte hashes, concatenated), every
-- path that deletes memories deletes their terms through the primary key in the same
-- transaction (and subtracts them from memory_term_stats), and the foreign key and the second
-- index go. memvault_user deletes its own terms (forget); recount_term_stats() (superuser)
-- also removes terms whose memory is gone (a DBA's delete by hand).

alter table memvault.memory_terms add column if not exists term_hashes bytea;
comment on column memvault.memory_terms.term_hashes is
  'On a memory''s length row (empty term_hash) only: its distinct term hashes, 16 bytes each, concatenated, so that its term rows can be deleted through the primary key.';
alter table memvault.memory_terms drop constraint if exists memory_terms_term_hashes_shape;
alter table memvault.memory_terms add constraint memory_terms_term_hashes_shape check (
  term_hashes is null or (term_hash = '\x'::bytea and octet_length(term_hashes) % 16 = 0));

-- Existing length rows get their lists, as the owner with FORCE lifted (every tenant's rows).
alter table memvault.memory_terms no force row level security;
update memvault.memory_terms l set term_hashes = (
    select coalesce(string_agg(t.term_hash, ''::bytea order by t.term_hash), ''::bytea) from memvault.memory_terms t
    where t.user_hash = l.user_hash and t.memory_id = l.memory_id and t.term_hash <> '\x'::bytea)
  where l.term_hash = '\x'::bytea and l.term_hashes is null;
alter table memvault.memory_terms force row level security;

alter table memvault.memory_terms drop constraint if exists memory_terms_memory_fkey;
drop index if exists memvault.memory_terms_user_hash_memory_id;
grant select (term_hashes), insert (term_hashes) on memvault.memory_terms to memvault_worker;
grant select (term_hashes) on memvault.memory_terms to memvault_user;
grant delete on memvault.memory_terms to memvault_user;
comment on table memvault.memory_terms is
  'Blind indexes of sealed memories'' keyword terms: one row per distinct term (HMAC-SHA256 under the term subkey, bound to the tenant, first 16 bytes) with its frequency and the memory''s length in terms, and one length row per memory (empty term_hash, frequency = memory_length, term_hashes listing its terms). Written by the worker with the memory; deleted with it by every path that deletes memories.';

-- Recounts every tenant's row from its length rows, after removing the terms of memories that
-- no longer exist (a superuser: it reads every tenant).
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
  delete from memvault.memory_terms t
    where not exists (select 1 from memvault.memory_chunks c where c.user_hash = t.user_hash and c.id = t.memory_id);
  delete from memvault.memory_term_stats;
  insert into memvault.memory_term_stats (user_hash, documents, total_length)
    select t.user_hash, count(*), coalesce(sum(t.memory_length), 0) from memvault.memory_terms t where t.term_hash = '\x'::bytea group by t.user_hash;
  get diagnostics n = row_count;
  return n;
end;
$$;
comment on function memvault.recount_term_stats() is 'Superuser only: remove keyword terms whose memory is gone, then recount memory_term_stats for every tenant from memory_terms'' length rows. Returns the number of tenants.';
revoke all on function memvault.recount_term_stats() from public;
