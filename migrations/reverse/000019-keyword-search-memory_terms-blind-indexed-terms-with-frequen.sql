-- Reverse of 000019: keyword search and event time go. The terms are derived data (the
-- worker writes them again from the sealed text after a re-deploy of 000019 only for new
-- or updated memories); occurred_at values are lost, and `deploy rollback` counts them first.
drop function if exists memvault.search_keyword(bytea[], integer[], integer, double precision, double precision, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz);
drop function if exists memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz);
--!restore-function memvault.search_chunks
comment on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) nearest unexpired chunks by cosine distance that match the filters (scope hash, scope-level hash, any / all of the tag hashes as in memory_labels, created after / before), nearest first: exactly min(k, matching rows with a non-zero embedding) rows. Up to memvault.exact_search_max_rows matching rows (default 5000) are ranked exactly, more through HNSW with iterative scans and hnsw.ef_search = k * memvault.hnsw_ef_per_k (default 40; at most 1000; never below the session''s hnsw.ef_search). A zero query vector is refused (22023).';
revoke all on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) from public;
grant execute on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) to memvault_user, memvault_worker;
drop function if exists memvault.memory_filter_predicates(text, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz);
drop table if exists memvault.memory_terms;

drop trigger if exists _900_enqueue_seal_on_update on memvault.chunk_ingest;
create trigger _900_enqueue_seal_on_update
  after update of text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces on memvault.chunk_ingest
  for each row execute function memvault.tg_chunk_ingest__enqueue_reseal();
drop index if exists memvault.memory_chunks_user_hash_occurred_at;
alter table memvault.memory_chunks drop column if exists occurred_at;
alter table memvault.chunk_ingest drop column if exists occurred_at;
