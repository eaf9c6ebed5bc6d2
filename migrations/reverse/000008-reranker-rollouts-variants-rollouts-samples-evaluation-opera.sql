-- Reverse of 000008-reranker-rollouts-variants-rollouts-samples-evaluation-opera.sql: the schema as it was before it, data kept
-- wherever the earlier schema can hold it. Applied by `memvault deploy rollback`.
drop view if exists memvault.monitor_rerank_rollouts;
drop view if exists memvault.monitor_rerank_measurements;
drop view if exists memvault.monitor_rerank_events;
drop trigger if exists _500_record_rollout_sample on memvault.search_requests;
drop function if exists memvault.tg_search_requests__record_rollout_sample();
drop function if exists memvault.rerank_assignment();
drop function if exists memvault.rerank_bucket(text, text);
drop function if exists memvault.create_rerank_variant(text, text, text, text, integer, integer, integer, integer);
drop function if exists memvault.set_default_rerank_variant(text);
drop function if exists memvault.create_rerank_rollout(text, text, text, jsonb, jsonb, integer, integer, integer, text);
drop function if exists memvault.start_rerank_rollout(text);
drop function if exists memvault.pause_rerank_rollout(text);
drop function if exists memvault.resume_rerank_rollout(text);
drop function if exists memvault.promote_rerank_rollout(text);
drop function if exists memvault.abort_rerank_rollout(text);
drop function if exists memvault.evaluate_rerank_rollout(bigint, interval);
drop function if exists memvault.active_rerank_rollouts();
drop function if exists memvault.prune_rerank_samples(interval);
drop function if exists memvault.schedule_rerank_evaluation(timestamptz);
drop table if exists memvault.rerank_rollout_samples;
drop table if exists memvault.rerank_rollout_events;
drop table if exists memvault.rerank_rollout_measurements;
drop table if exists memvault.rerank_rollout_guardrails;
drop table if exists memvault.rerank_rollout_steps;
drop table if exists memvault.rerank_rollouts cascade;
drop table if exists memvault.rerank_settings;
drop table if exists memvault.rerank_variants;
alter table memvault.search_requests drop column if exists rerank_variant;
alter table memvault.search_requests drop column if exists rollout_id;
alter table memvault.search_requests drop column if exists rollout_arm;
revoke usage on schema memvault from memvault_operator;
-- evaluate_rollouts jobs have no task once the workers run the previous release.
delete from graphile_worker._private_jobs j using graphile_worker._private_tasks t
  where t.id = j.task_id and t.identifier = 'evaluate_rollouts';
