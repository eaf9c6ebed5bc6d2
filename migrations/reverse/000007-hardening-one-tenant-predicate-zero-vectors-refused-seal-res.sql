-- Reverse of 000007-hardening-one-tenant-predicate-zero-vectors-refused-seal-res.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop policy if exists tenant_isolation on memvault.memory_chunks;
create policy tenant_isolation on memvault.memory_chunks
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));
alter table memvault.memory_chunks alter column user_hash set default nullif(pg_catalog.current_setting('app.user_hash', true), '');
drop policy if exists tenant_isolation on memvault.chunk_ingest;
create policy tenant_isolation on memvault.chunk_ingest
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));
alter table memvault.chunk_ingest alter column user_hash set default nullif(pg_catalog.current_setting('app.user_hash', true), '');
drop policy if exists tenant_isolation on memvault.search_requests;
create policy tenant_isolation on memvault.search_requests
  for all
  using (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''))
  with check (user_hash = nullif(pg_catalog.current_setting('app.user_hash', true), ''));
alter table memvault.search_requests alter column user_hash set default nullif(pg_catalog.current_setting('app.user_hash', true), '');
alter table memvault.chunk_ingest drop constraint if exists chunk_ingest_embedding_nonzero;
alter table memvault.memory_chunks drop constraint if exists memory_chunks_embedding_nonzero;
--!restore-function memvault.search_chunks
comment on function memvault.search_chunks(public.vector, integer) is
  'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows) rows. Tenants up to memvault.exact_search_max_rows rows (default 2000) are ranked exactly, larger ones through HNSW with iterative scans.';
--!restore-function memvault.tg_search_requests__enqueue
drop function if exists memvault.reserve_seals(integer, integer);
drop table if exists memvault.key_seal_reservations;
drop function if exists memvault.current_user_hash();
