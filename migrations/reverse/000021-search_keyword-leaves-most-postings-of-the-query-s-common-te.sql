-- Reverse of 000021: search_keyword scores every posting of every query term again (as 000020).
--!restore-function memvault.search_keyword
comment on function memvault.search_keyword(bytea[], integer[], integer, double precision, double precision, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) best unexpired memories by BM25 over the term blind indexes given (16-byte hashes, each with its frequency in the query), that match the filters (as search_chunks), best first, ties by id. Document frequencies, count and average length are the tenant''s own; filters do not change the scores.';
