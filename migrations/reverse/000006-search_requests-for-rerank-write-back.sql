-- Reverse of 000006-search_requests-for-rerank-write-back.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop table if exists memvault.search_requests cascade;
drop function if exists memvault.tg_search_requests__enqueue();
