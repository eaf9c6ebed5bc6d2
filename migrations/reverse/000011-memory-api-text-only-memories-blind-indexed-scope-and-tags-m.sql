-- Reverse of 000011: text-only memories, labels, replacements and expiry go; search_chunks
-- takes (query, k) again (000010). Refused (23502, not null) while text-only memories wait
-- in chunk_ingest: let the worker embed them first.
drop trigger if exists _900_enqueue_seal_on_update on memvault.chunk_ingest;
drop function if exists memvault.tg_chunk_ingest__enqueue_reseal();
drop function if exists memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz);
--!restore-function memvault.tg_chunk_ingest__reject_sealed_ids
--!restore-function memvault.search_chunks
comment on function memvault.search_chunks(public.vector, integer) is
  'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows with a non-zero embedding) rows. Tenants up to memvault.exact_search_max_rows rows (default 2000) are ranked exactly, larger ones through HNSW with iterative scans. A zero query vector is refused (22023).';
grant execute on function memvault.search_chunks(public.vector, integer) to memvault_user, memvault_worker;

-- Nothing erased comes back and no update is half-applied: the schema below has no expiry
-- (an expired memory the sweep has not deleted yet would be visible again) and no updates
-- (a pending new version would be sealed as a second memory). Both are deleted here, and
-- `deploy rollback` counts and names them before it asks. The owner is subject to FORCE
-- ROW LEVEL SECURITY (it would see no row): lifted for this transaction only.
alter table memvault.memory_chunks no force row level security;
alter table memvault.chunk_ingest no force row level security;
delete from memvault.memory_chunks where expires_at <= pg_catalog.now();
delete from memvault.chunk_ingest where expires_at <= pg_catalog.now() or replaces;
alter table memvault.memory_chunks force row level security;
alter table memvault.chunk_ingest force row level security;

revoke delete on memvault.memory_chunks from memvault_worker;
revoke update (embedding) on memvault.memory_chunks from memvault_worker;
revoke update (text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces, attempts, last_error)
  on memvault.chunk_ingest from memvault_user;
drop table if exists memvault.memory_labels;
drop index if exists memvault.memory_chunks_user_hash_scope_hash;
drop index if exists memvault.memory_chunks_user_hash_expires_at;
alter table memvault.memory_chunks
  drop column if exists scope_hash, drop column if exists labels_cipher, drop column if exists expires_at, drop column if exists updated_at;
alter table memvault.chunk_ingest drop constraint if exists chunk_ingest_labels_shape;
alter table memvault.chunk_ingest
  drop column if exists scope_hash, drop column if exists scope_path, drop column if exists tag_hashes,
  drop column if exists labels_cipher, drop column if exists expires_at, drop column if exists replaces;
comment on column memvault.chunk_ingest.embedding is null;
alter table memvault.chunk_ingest alter column embedding set not null;
