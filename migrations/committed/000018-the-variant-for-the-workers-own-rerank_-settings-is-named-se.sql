--! Previous: sha1:de12d932550abc208d6505201063c4c6ff171c8a
--! Hash: sha1:68ac6d3d532f9fbd938fde95d05a69eb528e7c85
--! Message: The variant for the workers' own RERANK_* settings is named settings (was env)

-- The variant that stands for each worker's own RERANK_* settings is named 'settings' (it was
-- 'env'): in samples, in measurements, and in the name no operator variant may take ('env'
-- stays refused too, so an old name can never mean something else).
do $$
begin
  if exists (select 1 from memvault.rerank_variants where name = 'settings') then
    raise exception 'a rerank variant is named settings, the name now reserved for the workers'' RERANK_* settings: rename it first'
      using errcode = '23514';
  end if;
end
$$;
alter table memvault.rerank_variants drop constraint if exists rerank_variants_name_format;
alter table memvault.rerank_variants add constraint rerank_variants_name_format
  check (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$' and name not in ('env', 'settings'));
update memvault.rerank_rollout_samples set variant = 'settings' where variant = 'env';
update memvault.rerank_rollout_measurements set variant = 'settings' where variant = 'env';

create or replace function memvault.tg_search_requests__record_rollout_sample() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, pg_temp
  as $$
begin
  insert into memvault.rerank_rollout_samples (rollout_id, arm, variant, requested_at, finished_at, outcome, latency_ms, tenant_key)
  select new.rollout_id, new.rollout_arm, coalesce(new.rerank_variant, 'settings'), new.created_at,
         coalesce(new.finished_at, pg_catalog.now()),
         case when new.status = 'reranked' then 'reranked' else coalesce(new.skip_reason, 'error') end,
         new.latency_ms,
         (('x' || pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(r.salt || ':tenant:' || new.user_hash, 'UTF8')), 'hex'), 15))::bit(60)::bigint)
  from memvault.rerank_rollouts r
  where r.id = new.rollout_id;
  return null;
end;
$$;
