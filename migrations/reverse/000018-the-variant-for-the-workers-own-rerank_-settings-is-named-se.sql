-- Reverse of 000018: the workers' own RERANK_* settings are the variant 'env' again.
update memvault.rerank_rollout_samples set variant = 'env' where variant = 'settings';
update memvault.rerank_rollout_measurements set variant = 'env' where variant = 'settings';
alter table memvault.rerank_variants drop constraint if exists rerank_variants_name_format;
alter table memvault.rerank_variants add constraint rerank_variants_name_format
  check (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$' and name <> 'env');

--!restore-function memvault.tg_search_requests__record_rollout_sample
