-- Reverse of 000012: search_chunks as 000011 defined it (exact up to 2000 matching rows;
-- hnsw.ef_search at least 2k). Same signature, so grants and dependants stay.
--!restore-function memvault.search_chunks
comment on function memvault.search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) nearest unexpired chunks by cosine distance that match the filters (scope hash, scope-level hash, any / all of the tag hashes as in memory_labels, created after / before), nearest first: exactly min(k, matching rows with a non-zero embedding) rows. Up to memvault.exact_search_max_rows matching rows (default 2000) are ranked exactly, more through HNSW with iterative scans. A zero query vector is refused (22023).';
