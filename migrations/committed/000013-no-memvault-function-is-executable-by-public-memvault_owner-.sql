--! Previous: sha1:5988a6a0e89aaffb45f08b85817edcfca2f6881c
--! Hash: sha1:1c10219366674e5d2de7cdeb3d65f0a37c40b849
--! Message: No memvault function is executable by PUBLIC; memvault_owner's global default privileges revoke EXECUTE from PUBLIC

-- No memvault function is executable by PUBLIC (issue 24, item 10). 000001's `alter default
-- privileges in schema memvault revoke ... from public` does nothing: per-schema default
-- privileges can only add to the global ones, and functions are executable by PUBLIC by
-- default. So every function made since was executable by any role that can connect, among
-- them reserve_seals (SECURITY DEFINER), with which memvault_monitor or memvault_operator could
-- spend a key version's 2^32 nonce budget and stop all sealing. The roles that call each of
-- these keep the grants they have by name.
revoke all on function memvault.current_user_hash() from public;
revoke all on function memvault.request_reseal() from public;
revoke all on function memvault.rerank_assignment() from public;
revoke all on function memvault.rerank_bucket(text, text) from public;
revoke all on function memvault.reserve_seals(integer, integer) from public;
revoke all on function memvault.tg_chunk_ingest__reject_sealed_ids() from public;
-- And every function memvault_owner makes from now on: the owner's global default (the
-- migrations run as memvault_owner), which is the one PostgreSQL applies.
alter default privileges for role memvault_owner revoke execute on functions from public;
