-- Reverse of 000013: the functions PUBLIC could execute before it, and memvault_owner's
-- global default privileges as PostgreSQL ships them (EXECUTE for PUBLIC on new functions).
-- Going back reopens reserve_seals to every role that can connect: a rollback below 000013
-- is for getting out of a broken deploy, not a place to stay.
grant execute on function memvault.current_user_hash() to public;
grant execute on function memvault.request_reseal() to public;
grant execute on function memvault.rerank_assignment() to public;
grant execute on function memvault.rerank_bucket(text, text) to public;
grant execute on function memvault.reserve_seals(integer, integer) to public;
grant execute on function memvault.tg_chunk_ingest__reject_sealed_ids() to public;
alter default privileges for role memvault_owner grant execute on functions to public;
