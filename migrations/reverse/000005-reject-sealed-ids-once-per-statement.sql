-- Reverse of 000005-reject-sealed-ids-once-per-statement.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop trigger if exists _050_reject_sealed_ids on memvault.chunk_ingest;
drop function if exists memvault.tg_chunk_ingest__reject_sealed_ids();
-- An id already sealed for this tenant would make the seal job fail for ever: refuse it
-- at the door, as the unique key of the pair would.
--!restore-function memvault.tg_chunk_ingest__reject_sealed_id
create trigger _100_reject_sealed_id before insert on memvault.chunk_ingest
  for each row execute function memvault.tg_chunk_ingest__reject_sealed_id();
