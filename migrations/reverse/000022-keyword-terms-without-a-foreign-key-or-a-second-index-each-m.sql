-- Reverse of 000022: the foreign key from memory_terms to memory_chunks and the (user_hash,
-- memory_id) index come back; terms whose memory is gone are deleted first (as the owner,
-- FORCE lifted for this transaction: every tenant's rows); the length rows' lists go (derived
-- from the term rows).
--!restore-function memvault.recount_term_stats
comment on function memvault.recount_term_stats() is 'Superuser only: recount memory_term_stats for every tenant from memory_terms'' length rows. Returns the number of tenants.';
revoke all on function memvault.recount_term_stats() from public;
revoke delete on memvault.memory_terms from memvault_user;
alter table memvault.memory_terms no force row level security;
alter table memvault.memory_chunks no force row level security;
delete from memvault.memory_terms where not exists (select 1 from memvault.memory_chunks c where c.user_hash = memory_terms.user_hash and c.id = memory_terms.memory_id);
alter table memvault.memory_terms force row level security;
alter table memvault.memory_chunks force row level security;
create index if not exists memory_terms_user_hash_memory_id on memvault.memory_terms (user_hash, memory_id);
alter table memvault.memory_terms drop constraint if exists memory_terms_memory_fkey;
alter table memvault.memory_terms add constraint memory_terms_memory_fkey foreign key (user_hash, memory_id)
  references memvault.memory_chunks (user_hash, id) on delete cascade;
alter table memvault.memory_terms drop constraint if exists memory_terms_term_hashes_shape;
--!derived memvault.memory_terms.term_hashes
alter table memvault.memory_terms drop column if exists term_hashes;
comment on table memvault.memory_terms is
  'Blind indexes of sealed memories'' keyword terms: one row per distinct term (HMAC-SHA256 under the term subkey, bound to the tenant, first 16 bytes) with its frequency and the memory''s length in terms, and one length row per memory (empty term_hash, frequency = memory_length). Written by the worker with the memory; deleted with it.';
