-- Reverse of 000020: search_keyword counts the tenant's statistics from its length rows again
-- (as 000019); the statistics table goes (derived data: nothing is lost).
--!restore-function memvault.search_keyword
comment on function memvault.search_keyword(bytea[], integer[], integer, double precision, double precision, bytea, bytea, bytea[], bytea[], timestamptz, timestamptz, timestamptz, timestamptz) is
  'The current tenant''s k (1..1000) best unexpired memories by BM25 over the term blind indexes given (16-byte hashes, each with its frequency in the query), that match the filters (as search_chunks), best first, ties by id. Document frequencies, count and average length are the tenant''s own; filters do not change the scores.';
drop function if exists memvault.recount_term_stats();
--!derived memvault.memory_term_stats
drop table if exists memvault.memory_term_stats;
