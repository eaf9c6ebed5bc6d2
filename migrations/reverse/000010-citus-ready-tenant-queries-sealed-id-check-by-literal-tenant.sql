-- Reverse of 000010: the sealed-id check as one join again (000005), search_chunks with
-- set_config() for hnsw.* again (000007).
--!restore-function memvault.tg_chunk_ingest__reject_sealed_ids

--!restore-function memvault.search_chunks
