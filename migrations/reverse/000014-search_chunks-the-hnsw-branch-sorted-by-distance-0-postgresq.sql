-- Reverse of 000014: search_chunks as 000012 defined it (its HNSW branch sorted by distance, which
-- PostgreSQL 16+ may take as presorted). Same signature, so grants and dependants stay.
--!restore-function memvault.search_chunks
comment on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) nearest unexpired chunks by cosine distance that match the filters (scope hash, scope-level hash, any / all of the tag hashes as in memory_labels, created after / before), nearest first: exactly min(k, matching rows with a non-zero embedding) rows. Up to memvault.exact_search_max_rows matching rows (default 5000) are ranked exactly, more through HNSW with iterative scans and hnsw.ef_search = k * memvault.hnsw_ef_per_k (default 40; at most 1000; never below the session''s hnsw.ef_search). A zero query vector is refused (22023).';
revoke all on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) from public;
grant execute on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) to memvault_user, memvault_worker;
