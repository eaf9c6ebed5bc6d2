-- Reverse of 000015: verdicts weigh every sample again (000008's evaluate_rerank_rollout
-- and sample trigger); the tenant keys, the per-tenant cap and the measurements' tenant and
-- capped counts are dropped (deploy rollback names them and asks first).
--!restore-function memvault.tg_search_requests__record_rollout_sample
revoke all on function memvault.tg_search_requests__record_rollout_sample() from public;

--!restore-function memvault.evaluate_rerank_rollout

alter table memvault.rerank_rollout_measurements drop column if exists capped_samples;
alter table memvault.rerank_rollout_measurements drop column if exists tenants;
alter table memvault.rerank_rollout_samples drop column if exists tenant_key;
alter table memvault.rerank_rollouts drop constraint if exists rerank_rollouts_max_tenant_samples;
alter table memvault.rerank_rollouts drop column if exists max_tenant_samples;
