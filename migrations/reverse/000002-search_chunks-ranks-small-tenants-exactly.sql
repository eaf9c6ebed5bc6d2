-- Reverse of 000002-search_chunks-ranks-small-tenants-exactly.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
--!restore-function memvault.search_chunks
comment on function memvault.search_chunks(public.vector, integer) is
  'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows) rows.';
grant execute on function memvault.search_chunks(public.vector, integer) to memvault_user, memvault_worker;
