-- Reverse of 000017: the readiness function goes.
drop function if exists memvault.default_rerank_variant();
