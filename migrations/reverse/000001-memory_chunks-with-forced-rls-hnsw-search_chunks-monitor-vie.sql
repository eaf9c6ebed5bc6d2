-- Reverse of 000001-memory_chunks-with-forced-rls-hnsw-search_chunks-monitor-vie.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop schema if exists memvault cascade;
