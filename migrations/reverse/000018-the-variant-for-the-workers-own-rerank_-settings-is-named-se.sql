-- Reverse of 000018: the workers' own RERANK_* settings are the variant 'env' again.
update memvault.rerank_rollout_samples set variant = 'env' where variant = 'settings';
update memvault.rerank_rollout_measurements set variant = 'env' where variant = 'settings';
alter table memvault.rerank_variants drop constraint if exists rerank_variants_name_format;
alter table memvault.rerank_variants add constraint rerank_variants_name_format
  check (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$' and name <> 'env');

create or replace function memvault.tg_search_requests__record_rollout_sample() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
begin
  insert into memvault.rerank_rollout_samples (rollout_id, arm, variant, requested_at, finished_at, outcome, latency_ms, tenant_key)
  select new.rollout_id, new.rollout_arm, coalesce(new.rerank_variant, 'env'), new.created_at,
         coalesce(new.finished_at, pg_catalog.now()),
         case when new.status = 'reranked' then 'reranked' else coalesce(new.skip_reason, 'error') end,
         new.latency_ms,
         (('x' || pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(r.salt || ':tenant:' || new.user_hash, 'UTF8')), 'hex'), 15))::bit(60)::bigint)
  from memvault.rerank_rollouts r
  where r.id = new.rollout_id;
  return null;
end;
$$;
