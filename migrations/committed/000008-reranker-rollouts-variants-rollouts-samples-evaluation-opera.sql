--! Previous: sha1:50fcf3693626de6202d08e891e30183c38ea3ae1
--! Hash: sha1:83eeb079ac0f2d6aac43f04edaeeb697525fa15a
--! Message: reranker rollouts: variants, rollouts, samples, evaluation, operator functions

-- Canary rollouts of reranker configurations, decided in the database.
--
-- A variant is a reranker configuration (a model directory pinned by SHA-256, or a TEI
-- server). A rollout serves a treatment variant to a growing share of tenants, chosen by a
-- stable hash of (salt, user_hash), and compares it with the control on live traffic: the
-- worker records which variant served each search request, a trigger turns finished
-- requests into samples (no tenant content, no user_hash), and evaluate_rerank_rollout(),
-- called by the evaluate_rollouts task, measures each interval, counts guardrail failures,
-- advances steps, promotes, or rolls back. Operator tables are written only by the
-- functions here (memvault_operator or a superuser) and read by memvault_monitor through
-- the monitor_rerank_* views.

drop view if exists memvault.monitor_rerank_rollouts;
drop view if exists memvault.monitor_rerank_measurements;
drop view if exists memvault.monitor_rerank_events;
drop trigger if exists _500_record_rollout_sample on memvault.search_requests;
drop function if exists memvault.tg_search_requests__record_rollout_sample();
drop function if exists memvault.rerank_bucket(text, text);
drop function if exists memvault.rerank_assignment();
drop function if exists memvault.rerank_rollout_event(memvault.rerank_rollouts, text, text, text, jsonb);
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
drop function if exists memvault.lock_rerank_rollout(text, text[]);
drop function if exists memvault.schedule_rerank_evaluation(timestamptz);
drop function if exists memvault.prune_rerank_samples(interval);
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

grant usage on schema memvault to memvault_operator;

------------------------------------------------------------------------------
-- Variants. Immutable once created (nothing may update them): a name always means the
-- same model, on every worker. 'env' is reserved for a worker's own RERANK_* settings.
------------------------------------------------------------------------------
create table memvault.rerank_variants (
  name text not null
    constraint rerank_variants_name_format check (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$' and name <> 'env'),
  model_dir text
    constraint rerank_variants_model_dir_absolute check (model_dir ~ '^/' and length(model_dir) <= 4096),
  remote_url text
    constraint rerank_variants_remote_url_format check (remote_url ~ '^https?://[^\s]+$' and length(remote_url) <= 2048),
  model_sha256 text
    constraint rerank_variants_model_sha256_format check (model_sha256 ~ '^[0-9a-f]{64}$'),
  batch_size integer not null default 32 constraint rerank_variants_batch_size check (batch_size between 1 and 1024),
  max_length integer not null default 256 constraint rerank_variants_max_length check (max_length between 16 and 512),
  threads integer not null default 2 constraint rerank_variants_threads check (threads between 1 and 64),
  budget_ms integer not null default 250 constraint rerank_variants_budget_ms check (budget_ms between 1 and 60000),
  created_at timestamptz not null default now(),
  created_by text not null default session_user,
  -- A local model is pinned (model.onnx's SHA-256, checked by each worker as it loads);
  -- a remote scorer is named by URL, its SHA-256 recorded for the audit trail.
  constraint rerank_variants_one_source check ((model_dir is null) <> (remote_url is null)),
  constraint rerank_variants_model_pinned check (model_dir is null or model_sha256 is not null),
  constraint rerank_variants_pkey primary key (name)
);
comment on table memvault.rerank_variants is 'Reranker configurations a rollout can serve. Written only by memvault.create_rerank_variant().';

-- One row: the variant every tenant gets when no rollout is active (null: each worker''s
-- RERANK_* settings). Promotion sets it to the treatment; a rollback or an abort of a
-- started rollout sets it to the control, which is what untreated tenants had.
create table memvault.rerank_settings (
  singleton boolean not null default true constraint rerank_settings_singleton check (singleton),
  default_variant text constraint rerank_settings_default_variant_fkey references memvault.rerank_variants (name),
  updated_at timestamptz not null default now(),
  updated_by text not null default session_user,
  constraint rerank_settings_pkey primary key (singleton)
);
insert into memvault.rerank_settings default values;
comment on table memvault.rerank_settings is 'The default reranker variant (null: the workers'' RERANK_* settings). A promotion sets it.';

create table memvault.rerank_rollouts (
  id bigint not null generated always as identity,
  name text not null constraint rerank_rollouts_name_format check (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  control_variant text not null constraint rerank_rollouts_control_fkey references memvault.rerank_variants (name),
  treatment_variant text not null constraint rerank_rollouts_treatment_fkey references memvault.rerank_variants (name),
  -- Tenants are bucketed by a hash of (salt, user_hash): a new salt draws a new sample.
  salt text not null constraint rerank_rollouts_salt_format check (length(salt) between 1 and 200),
  interval_seconds integer not null constraint rerank_rollouts_interval check (interval_seconds between 1 and 86400),
  failure_limit integer not null constraint rerank_rollouts_failure_limit check (failure_limit between 1 and 1000),
  -- An arm with fewer samples in an interval gets the verdict inconclusive.
  min_interval_samples integer not null constraint rerank_rollouts_min_interval_samples check (min_interval_samples between 1 and 1000000),
  state text not null default 'pending'
    constraint rerank_rollouts_state check (state in ('pending', 'running', 'paused', 'promoted', 'rolled_back', 'aborted')),
  current_step integer not null default 0 constraint rerank_rollouts_current_step check (current_step >= 0),
  failures integer not null default 0 constraint rerank_rollouts_failures check (failures >= 0),
  step_started_at timestamptz,
  -- The end of the last interval evaluated; the next one ends interval_seconds later.
  evaluated_until timestamptz,
  created_at timestamptz not null default now(),
  created_by text not null default session_user,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint rerank_rollouts_two_variants check (control_variant <> treatment_variant),
  constraint rerank_rollouts_pkey primary key (id),
  constraint rerank_rollouts_name_key unique (name)
);
-- At most one rollout serves traffic at a time: tenants' arms never depend on two salts.
create unique index rerank_rollouts_one_active on memvault.rerank_rollouts ((true)) where state in ('running', 'paused');
comment on table memvault.rerank_rollouts is 'Canary rollouts of a treatment reranker variant against a control. Written only by the *_rerank_rollout functions.';

create table memvault.rerank_rollout_steps (
  rollout_id bigint not null constraint rerank_rollout_steps_rollout_fkey references memvault.rerank_rollouts (id),
  step integer not null constraint rerank_rollout_steps_step check (step >= 1),
  -- Share of tenants served by the treatment, in basis points (1/100 of a percent).
  share_bp integer not null constraint rerank_rollout_steps_share check (share_bp between 1 and 10000),
  min_duration_seconds integer not null constraint rerank_rollout_steps_min_duration check (min_duration_seconds >= 0),
  -- Per arm, summed over the step's intervals.
  min_samples integer not null constraint rerank_rollout_steps_min_samples check (min_samples >= 0),
  constraint rerank_rollout_steps_pkey primary key (rollout_id, step)
);

create table memvault.rerank_rollout_guardrails (
  rollout_id bigint not null constraint rerank_rollout_guardrails_rollout_fkey references memvault.rerank_rollouts (id),
  metric text not null constraint rerank_rollout_guardrails_metric check (metric in ('p95_latency_ms', 'skip_rate', 'error_rate')),
  -- Fail when the treatment's value exceeds max_value, or control's value times
  -- max_ratio, or control's value plus max_delta (each bound optional).
  max_value double precision constraint rerank_rollout_guardrails_max_value check (max_value >= 0),
  max_ratio double precision constraint rerank_rollout_guardrails_max_ratio check (max_ratio > 0),
  max_delta double precision constraint rerank_rollout_guardrails_max_delta check (max_delta >= 0),
  constraint rerank_rollout_guardrails_some_bound check (coalesce(max_value, max_ratio, max_delta) is not null),
  constraint rerank_rollout_guardrails_pkey primary key (rollout_id, metric)
);

create table memvault.rerank_rollout_measurements (
  rollout_id bigint not null constraint rerank_rollout_measurements_rollout_fkey references memvault.rerank_rollouts (id),
  window_end timestamptz not null,
  arm text not null constraint rerank_rollout_measurements_arm check (arm in ('control', 'treatment')),
  window_start timestamptz not null,
  step integer not null,
  variant text not null,
  samples integer not null,
  reranked integer not null,
  errors integer not null,
  p95_latency_ms double precision,
  skip_rate double precision,
  error_rate double precision,
  verdict text not null constraint rerank_rollout_measurements_verdict check (verdict in ('ok', 'fail', 'inconclusive')),
  -- Which bounds failed, with the numbers, or why the verdict is inconclusive.
  reasons text[] not null default '{}',
  measured_at timestamptz not null default clock_timestamp(),
  constraint rerank_rollout_measurements_pkey primary key (rollout_id, window_end, arm)
);

create table memvault.rerank_rollout_events (
  id bigint not null generated always as identity,
  rollout_id bigint not null constraint rerank_rollout_events_rollout_fkey references memvault.rerank_rollouts (id),
  at timestamptz not null default clock_timestamp(),
  -- The login that called an operator function, or 'evaluator' for automatic decisions.
  actor text not null,
  from_state text,
  to_state text not null,
  step integer not null,
  share_bp integer not null,
  reason text not null,
  evidence jsonb not null default '{}',
  constraint rerank_rollout_events_pkey primary key (rollout_id, id)
);

-- One row per finished search request served inside a rollout. No user_hash and no
-- content: only the arm, the variant, the outcome and the scoring time.
create table memvault.rerank_rollout_samples (
  rollout_id bigint not null constraint rerank_rollout_samples_rollout_fkey references memvault.rerank_rollouts (id),
  id bigint not null generated always as identity,
  arm text not null constraint rerank_rollout_samples_arm check (arm in ('control', 'treatment')),
  variant text not null,
  requested_at timestamptz not null,
  finished_at timestamptz not null,
  -- 'reranked', or the skip reason.
  outcome text not null,
  latency_ms double precision,
  constraint rerank_rollout_samples_pkey primary key (rollout_id, id)
);
create index rerank_rollout_samples_rollout_id_finished_at on memvault.rerank_rollout_samples (rollout_id, finished_at);

-- No role writes these tables: the owner's functions below do. The worker reads what it
-- needs to pick a variant; the operator reads everything.
grant select on memvault.rerank_variants, memvault.rerank_settings, memvault.rerank_rollouts, memvault.rerank_rollout_steps to memvault_worker;
grant select on memvault.rerank_variants, memvault.rerank_settings, memvault.rerank_rollouts, memvault.rerank_rollout_steps,
  memvault.rerank_rollout_guardrails, memvault.rerank_rollout_measurements, memvault.rerank_rollout_events, memvault.rerank_rollout_samples
  to memvault_operator;

------------------------------------------------------------------------------
-- Search requests record who served them.
------------------------------------------------------------------------------
alter table memvault.search_requests add column rerank_variant text;
alter table memvault.search_requests add column rollout_id bigint;
alter table memvault.search_requests add column rollout_arm text
  constraint search_requests_rollout_arm check (rollout_arm in ('control', 'treatment'));
comment on column memvault.search_requests.rerank_variant is 'The reranker variant that served the request (env: the worker''s RERANK_* settings).';
grant update (rerank_variant, rollout_id, rollout_arm) on memvault.search_requests to memvault_worker;

------------------------------------------------------------------------------
-- Assignment: bucket = first 32 bits of SHA-256(salt ':' user_hash) mod 10000. A tenant
-- is in the treatment when bucket < share_bp, so raising the share only adds tenants, and
-- every worker computes the same arm.
------------------------------------------------------------------------------
create function memvault.rerank_bucket(salt text, user_hash text) returns integer
language sql
immutable
strict
parallel safe
security invoker
as $$
  select ((('x' || pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(salt || ':' || user_hash, 'UTF8')), 'hex'), 8))::bit(32)::bigint) % 10000)::integer
$$;
comment on function memvault.rerank_bucket(text, text) is 'A tenant''s rollout bucket in [0, 10000): stable for a salt, independent of everything else.';
grant execute on function memvault.rerank_bucket(text, text) to memvault_worker, memvault_operator, memvault_monitor;

-- The variant that serves the current tenant (app.user_hash) now: the active rollout's arm,
-- else the default variant; no row means the worker's own RERANK_* settings.
create function memvault.rerank_assignment()
returns table (rollout_id bigint, arm text, name text, model_dir text, remote_url text, model_sha256 text,
               batch_size integer, max_length integer, threads integer, budget_ms integer)
language sql
stable
security invoker
as $$
  with active as (
    select r.id, r.control_variant, r.treatment_variant,
           memvault.rerank_bucket(r.salt, memvault.current_user_hash()) < s.share_bp as treated
    from memvault.rerank_rollouts r
    join memvault.rerank_rollout_steps s on s.rollout_id = r.id and s.step = r.current_step
    where r.state in ('running', 'paused')
  ), chosen as (
    select a.id, case when a.treated then 'treatment' else 'control' end as arm,
           case when a.treated then a.treatment_variant else a.control_variant end as variant
    from active a
    union all
    select null, null, st.default_variant
    from memvault.rerank_settings st
    where st.default_variant is not null and not exists (select 1 from active)
  )
  select c.id, c.arm, v.name, v.model_dir, v.remote_url, v.model_sha256, v.batch_size, v.max_length, v.threads, v.budget_ms
  from chosen c
  join memvault.rerank_variants v on v.name = c.variant
  where memvault.current_user_hash() is not null
$$;
grant execute on function memvault.rerank_assignment() to memvault_worker;

-- A finished request served inside a rollout becomes a sample.
create function memvault.tg_search_requests__record_rollout_sample() returns trigger
language plpgsql
volatile
security definer -- the samples table is written by no runtime role
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into memvault.rerank_rollout_samples (rollout_id, arm, variant, requested_at, finished_at, outcome, latency_ms)
  values (new.rollout_id, new.rollout_arm, coalesce(new.rerank_variant, 'env'), new.created_at,
          coalesce(new.finished_at, pg_catalog.now()),
          case when new.status = 'reranked' then 'reranked' else coalesce(new.skip_reason, 'error') end,
          new.latency_ms);
  return null;
end;
$$;
revoke all on function memvault.tg_search_requests__record_rollout_sample() from public;
create trigger _500_record_rollout_sample after update of status on memvault.search_requests
  for each row
  when (old.status = 'pending' and new.status <> 'pending' and new.rollout_id is not null and new.rollout_arm is not null)
  execute function memvault.tg_search_requests__record_rollout_sample();

------------------------------------------------------------------------------
-- The audit trail, and the operator functions. Each locks the rollout row, checks the
-- state it moves from (SQLSTATE 55000 otherwise), records an event and NOTIFYs
-- memvault_rollout with the rollout id.
------------------------------------------------------------------------------
create function memvault.rerank_rollout_event(r memvault.rerank_rollouts, from_state text, actor text, reason text, evidence jsonb) returns void
language sql
volatile
security invoker -- called only from the security definer functions below
as $$
  insert into memvault.rerank_rollout_events (rollout_id, actor, from_state, to_state, step, share_bp, reason, evidence)
  values (r.id, actor, from_state, r.state, r.current_step,
          case when r.state in ('running', 'paused')
               then coalesce((select s.share_bp from memvault.rerank_rollout_steps s where s.rollout_id = r.id and s.step = r.current_step), 0)
               when r.state = 'promoted' then 10000
               else 0 end,
          reason, coalesce(evidence, '{}'::jsonb));
  select pg_catalog.pg_notify('memvault_rollout', r.id::text);
$$;
revoke all on function memvault.rerank_rollout_event(memvault.rerank_rollouts, text, text, text, jsonb) from public;

create function memvault.create_rerank_variant(
  p_name text, p_model_dir text, p_remote_url text, p_model_sha256 text,
  p_batch_size integer default 32, p_max_length integer default 256, p_threads integer default 2, p_budget_ms integer default 250
) returns text
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  insert into memvault.rerank_variants (name, model_dir, remote_url, model_sha256, batch_size, max_length, threads, budget_ms, created_by)
  values (p_name, p_model_dir, p_remote_url, pg_catalog.lower(p_model_sha256), p_batch_size, p_max_length, p_threads, p_budget_ms, session_user)
  returning name
$$;

create function memvault.set_default_rerank_variant(p_name text) returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if exists (select 1 from memvault.rerank_rollouts where state in ('running', 'paused')) then
    raise exception 'a rollout is active: promote or abort it first' using errcode = '55000';
  end if;
  update memvault.rerank_settings set default_variant = p_name, updated_at = now(), updated_by = session_user;
  -- Workers load the new default in the background (src/worker/prefetchVariants.ts).
  perform pg_catalog.pg_notify('memvault_rollout', 'default');
end;
$$;

create function memvault.create_rerank_rollout(
  p_name text, p_control text, p_treatment text, p_steps jsonb, p_guardrails jsonb,
  p_interval_seconds integer, p_failure_limit integer, p_min_interval_samples integer, p_salt text default null
) returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r memvault.rerank_rollouts;
  v_step jsonb;
  n integer := 0;
  last_share integer := 0;
  g jsonb;
begin
  if jsonb_typeof(p_steps) is distinct from 'array' or jsonb_array_length(p_steps) = 0 or jsonb_array_length(p_steps) > 100 then
    raise exception 'steps must be an array of 1 to 100 steps' using errcode = '22023';
  end if;
  if jsonb_typeof(p_guardrails) is distinct from 'array' or jsonb_array_length(p_guardrails) = 0 then
    raise exception 'at least one guardrail is required' using errcode = '22023';
  end if;
  insert into memvault.rerank_rollouts (name, control_variant, treatment_variant, salt, interval_seconds, failure_limit, min_interval_samples, created_by)
  values (p_name, p_control, p_treatment, coalesce(p_salt, pg_catalog.gen_random_uuid()::text), p_interval_seconds, p_failure_limit, p_min_interval_samples, session_user)
  returning * into r;
  for v_step in select * from jsonb_array_elements(p_steps) loop
    n := n + 1;
    if (v_step->>'share_bp')::integer <= last_share then
      raise exception 'step shares must increase (step % has % bp after % bp)', n, v_step->>'share_bp', last_share using errcode = '22023';
    end if;
    last_share := (v_step->>'share_bp')::integer;
    insert into memvault.rerank_rollout_steps (rollout_id, step, share_bp, min_duration_seconds, min_samples)
    values (r.id, n, (v_step->>'share_bp')::integer, coalesce((v_step->>'min_duration_seconds')::integer, 0), coalesce((v_step->>'min_samples')::integer, 0));
  end loop;
  for g in select * from jsonb_array_elements(p_guardrails) loop
    insert into memvault.rerank_rollout_guardrails (rollout_id, metric, max_value, max_ratio, max_delta)
    values (r.id, g->>'metric', (g->>'max_value')::float8, (g->>'max_ratio')::float8, (g->>'max_delta')::float8);
  end loop;
  perform memvault.rerank_rollout_event(r, null, session_user, 'created', jsonb_build_object('steps', p_steps, 'guardrails', p_guardrails));
  return r.id;
end;
$$;

-- Locks the named rollout and checks that it is in one of the states it may leave.
create function memvault.lock_rerank_rollout(p_name text, p_from text[]) returns memvault.rerank_rollouts
language plpgsql
volatile
security invoker -- called only from the security definer functions below
as $$
declare
  r memvault.rerank_rollouts;
begin
  select * into r from memvault.rerank_rollouts where name = p_name for update;
  if not found then
    raise exception 'no rollout named %', p_name using errcode = 'P0002';
  end if;
  if not (r.state = any (p_from)) then
    raise exception 'rollout % is %', p_name, r.state using errcode = '55000', hint = 'allowed from: ' || array_to_string(p_from, ', ');
  end if;
  return r;
end;
$$;
revoke all on function memvault.lock_rerank_rollout(text, text[]) from public;

-- The evaluate_rollouts job: one chain for every rollout (job_key), due at the earliest
-- next evaluation. Also run by cron every minute, in case a chain was lost.
create function memvault.schedule_rerank_evaluation(p_run_at timestamptz) returns void
language sql
volatile
security invoker -- called only from the security definer functions below
as $$
  select graphile_worker.add_job('evaluate_rollouts', '{}'::json, run_at := p_run_at, max_attempts := 5,
                                 job_key := 'evaluate_rollouts', job_key_mode := 'replace');
$$;
revoke all on function memvault.schedule_rerank_evaluation(timestamptz) from public;

create function memvault.start_rerank_rollout(p_name text) returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r memvault.rerank_rollouts := memvault.lock_rerank_rollout(p_name, array['pending']);
begin
  begin
    update memvault.rerank_rollouts
    set state = 'running', current_step = 1, failures = 0, started_at = now(), step_started_at = now(),
        evaluated_until = now(), updated_at = now()
    where id = r.id returning * into r;
  exception when unique_violation then
    raise exception 'another rollout is running or paused' using errcode = '55000';
  end;
  perform memvault.rerank_rollout_event(r, 'pending', session_user, 'started', '{}');
  perform memvault.schedule_rerank_evaluation(now() + make_interval(secs => r.interval_seconds + 1));
end;
$$;

create function memvault.pause_rerank_rollout(p_name text) returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r memvault.rerank_rollouts := memvault.lock_rerank_rollout(p_name, array['running']);
begin
  update memvault.rerank_rollouts set state = 'paused', updated_at = now() where id = r.id returning * into r;
  perform memvault.rerank_rollout_event(r, 'running', session_user, 'paused: the share holds, guardrails are still evaluated', '{}');
end;
$$;

create function memvault.resume_rerank_rollout(p_name text) returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r memvault.rerank_rollouts := memvault.lock_rerank_rollout(p_name, array['paused']);
begin
  update memvault.rerank_rollouts set state = 'running', updated_at = now() where id = r.id returning * into r;
  perform memvault.rerank_rollout_event(r, 'paused', session_user, 'resumed', '{}');
  perform memvault.schedule_rerank_evaluation(r.evaluated_until + make_interval(secs => r.interval_seconds + 1));
end;
$$;

create function memvault.promote_rerank_rollout(p_name text) returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r memvault.rerank_rollouts := memvault.lock_rerank_rollout(p_name, array['running', 'paused']);
  was text := r.state;
begin
  update memvault.rerank_rollouts set state = 'promoted', finished_at = now(), updated_at = now() where id = r.id returning * into r;
  update memvault.rerank_settings set default_variant = r.treatment_variant, updated_at = now(), updated_by = session_user;
  perform memvault.rerank_rollout_event(r, was, session_user, 'promoted by an operator: ' || r.treatment_variant || ' is the default', '{}');
end;
$$;

create function memvault.abort_rerank_rollout(p_name text) returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r memvault.rerank_rollouts := memvault.lock_rerank_rollout(p_name, array['pending', 'running', 'paused']);
  was text := r.state;
begin
  update memvault.rerank_rollouts set state = 'aborted', finished_at = now(), updated_at = now() where id = r.id returning * into r;
  -- Tenants that were on the control stay there; the treated ones go back to it.
  if was <> 'pending' then
    update memvault.rerank_settings set default_variant = r.control_variant, updated_at = now(), updated_by = session_user;
  end if;
  perform memvault.rerank_rollout_event(r, was, session_user, 'aborted by an operator: every tenant back on ' || r.control_variant, '{}');
end;
$$;

------------------------------------------------------------------------------
-- Evaluation. Idempotent and serialised by the rollout's row lock: a second caller for
-- the same interval finds it evaluated and returns not_due, so two workers make one
-- decision per interval. Intervals missed while no worker ran are measured as one window.
------------------------------------------------------------------------------
create function memvault.evaluate_rerank_rollout(p_rollout_id bigint, p_grace interval default '1 second')
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  r memvault.rerank_rollouts;
  st memvault.rerank_rollout_steps;
  last_step integer;
  v_end timestamptz;
  me record;
  rates jsonb;
  m record;
  g memvault.rerank_rollout_guardrails;
  ctl record;
  trt record;
  reasons text[];
  value float8;
  base float8;
  verdicts jsonb := '{}';
  t_verdict text;
  step_samples integer;
  decision text := 'hold';
  evidence jsonb;
  was text;
begin
  select * into r from memvault.rerank_rollouts where id = p_rollout_id for update;
  if not found or r.state not in ('running', 'paused') then
    return jsonb_build_object('rollout', p_rollout_id, 'decision', 'inactive', 'state', r.state);
  end if;
  v_end := r.evaluated_until + make_interval(secs => r.interval_seconds
    * floor(extract(epoch from (now() - p_grace - r.evaluated_until)) / r.interval_seconds));
  if v_end <= r.evaluated_until then
    return jsonb_build_object('rollout', r.id, 'name', r.name, 'decision', 'not_due',
      'next_due_at', r.evaluated_until + make_interval(secs => r.interval_seconds) + p_grace);
  end if;
  select * into st from memvault.rerank_rollout_steps s where s.rollout_id = r.id and s.step = r.current_step;
  select max(s.step) into last_step from memvault.rerank_rollout_steps s where s.rollout_id = r.id;

  for m in
    select a.arm,
           case a.arm when 'control' then r.control_variant else r.treatment_variant end as variant,
           count(x.id)::integer as samples,
           count(x.id) filter (where x.outcome = 'reranked')::integer as reranked,
           count(x.id) filter (where x.outcome in ('error', 'no_model'))::integer as errors,
           percentile_cont(0.95) within group (order by x.latency_ms) filter (where x.outcome in ('reranked', 'timeout')) as p95_latency_ms
    from (values ('control'), ('treatment')) a(arm)
    left join memvault.rerank_rollout_samples x
      on x.rollout_id = r.id and x.arm = a.arm and x.outcome <> 'disabled'
     and x.finished_at >= r.evaluated_until and x.finished_at < v_end
    group by a.arm
    order by a.arm
  loop
    if m.arm = 'control' then ctl := m; else trt := m; end if;
  end loop;

  -- Verdicts: control against the absolute bounds only (for the record), the treatment
  -- against the absolute bounds and against control.
  for m in select * from (values ('control'), ('treatment')) a(arm) loop
    reasons := '{}';
    if m.arm = 'control' then me := ctl; else me := trt; end if;
    begin
      rates := jsonb_build_object(
        'p95_latency_ms', me.p95_latency_ms,
        'skip_rate', case when me.samples > 0 then (me.samples - me.reranked)::float8 / me.samples end,
        'error_rate', case when me.samples > 0 then me.errors::float8 / me.samples end);
      if me.samples < r.min_interval_samples then
        reasons := array[format('%s samples < %s', me.samples, r.min_interval_samples)];
        verdicts := verdicts || jsonb_build_object(m.arm, 'inconclusive');
      else
        for g in select * from memvault.rerank_rollout_guardrails x where x.rollout_id = r.id order by x.metric loop
          value := (rates->>g.metric)::float8;
          continue when value is null;
          if g.max_value is not null and value > g.max_value then
            reasons := reasons || format('%s %s > %s', g.metric, trim_scale(round(value::numeric, 4)), g.max_value);
          end if;
          if m.arm = 'treatment' and ctl.samples >= r.min_interval_samples then
            base := case g.metric
                      when 'p95_latency_ms' then ctl.p95_latency_ms
                      when 'skip_rate' then (ctl.samples - ctl.reranked)::float8 / ctl.samples
                      else ctl.errors::float8 / ctl.samples end;
            if base is not null and g.max_ratio is not null and value > base * g.max_ratio then
              reasons := reasons || format('%s %s > %s x control %s', g.metric, trim_scale(round(value::numeric, 4)), g.max_ratio, trim_scale(round(base::numeric, 4)));
            end if;
            if base is not null and g.max_delta is not null and value > base + g.max_delta then
              reasons := reasons || format('%s %s > control %s + %s', g.metric, trim_scale(round(value::numeric, 4)), trim_scale(round(base::numeric, 4)), g.max_delta);
            end if;
          end if;
        end loop;
        verdicts := verdicts || jsonb_build_object(m.arm, case when cardinality(reasons) > 0 then 'fail' else 'ok' end);
      end if;
      insert into memvault.rerank_rollout_measurements
        (rollout_id, window_end, arm, window_start, step, variant, samples, reranked, errors, p95_latency_ms, skip_rate, error_rate, verdict, reasons)
      values (r.id, v_end, m.arm, r.evaluated_until, r.current_step, me.variant, me.samples, me.reranked, me.errors,
              me.p95_latency_ms, (rates->>'skip_rate')::float8, (rates->>'error_rate')::float8, verdicts->>m.arm, reasons)
      on conflict do nothing;
    end;
  end loop;

  t_verdict := verdicts->>'treatment';
  evidence := jsonb_build_object('window_start', r.evaluated_until, 'window_end', v_end, 'measurements',
    (select jsonb_agg(to_jsonb(x) - 'rollout_id' order by x.arm) from memvault.rerank_rollout_measurements x
     where x.rollout_id = r.id and x.window_end = v_end));
  was := r.state;
  if t_verdict = 'fail' then
    r.failures := r.failures + 1;
    evidence := evidence || jsonb_build_object('failures', r.failures, 'failure_limit', r.failure_limit);
    if r.failures >= r.failure_limit then
      decision := 'rollback';
      update memvault.rerank_rollouts
      set state = 'rolled_back', failures = r.failures, evaluated_until = v_end, finished_at = now(), updated_at = now()
      where id = r.id returning * into r;
      update memvault.rerank_settings set default_variant = r.control_variant, updated_at = now(), updated_by = 'evaluator';
      perform memvault.rerank_rollout_event(r, was, 'evaluator',
        format('guardrail failed %s of %s allowed times: rolled back, every tenant on %s', r.failures, r.failure_limit, r.control_variant), evidence);
    else
      decision := 'fail';
      update memvault.rerank_rollouts set failures = r.failures, evaluated_until = v_end, updated_at = now()
      where id = r.id returning * into r;
      perform memvault.rerank_rollout_event(r, was, 'evaluator',
        format('guardrail failed (%s of %s allowed)', r.failures, r.failure_limit), evidence);
    end if;
  else
    -- Samples per arm over the whole step (this interval included): the smaller arm counts.
    select case when count(*) = 2 then min(t.total) else 0 end into step_samples
    from (select x.arm, sum(x.samples) as total from memvault.rerank_rollout_measurements x
          where x.rollout_id = r.id and x.step = r.current_step group by x.arm) t;
    if r.state = 'running' and t_verdict = 'ok'
       and v_end - r.step_started_at >= make_interval(secs => st.min_duration_seconds)
       and step_samples >= st.min_samples then
      evidence := evidence || jsonb_build_object('step_samples_per_arm', step_samples);
      if r.current_step >= last_step then
        decision := 'promote';
        update memvault.rerank_rollouts set state = 'promoted', evaluated_until = v_end, finished_at = now(), updated_at = now()
        where id = r.id returning * into r;
        update memvault.rerank_settings set default_variant = r.treatment_variant, updated_at = now(), updated_by = 'evaluator';
        perform memvault.rerank_rollout_event(r, was, 'evaluator',
          format('last step passed: promoted, %s is the default', r.treatment_variant), evidence);
      else
        decision := 'advance';
        update memvault.rerank_rollouts
        set current_step = current_step + 1, step_started_at = v_end, evaluated_until = v_end, updated_at = now()
        where id = r.id returning * into r;
        perform memvault.rerank_rollout_event(r, was, 'evaluator', format('step %s passed: advanced to step %s', r.current_step - 1, r.current_step), evidence);
      end if;
    else
      update memvault.rerank_rollouts set evaluated_until = v_end, updated_at = now() where id = r.id returning * into r;
    end if;
  end if;
  return jsonb_build_object('rollout', r.id, 'name', r.name, 'decision', decision, 'state', r.state, 'step', r.current_step,
    'failures', r.failures, 'verdicts', verdicts, 'window_end', v_end,
    'next_due_at', case when r.state in ('running', 'paused') then v_end + make_interval(secs => r.interval_seconds) + p_grace end,
    'evidence', evidence);
end;
$$;

-- Active rollouts, for the evaluate_rollouts task.
create function memvault.active_rerank_rollouts() returns setof bigint
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select id from memvault.rerank_rollouts where state in ('running', 'paused') order by id
$$;

-- A sample is evidence until a day after the window that measured it (measurements and events
-- keep the numbers): a long rollout does not keep one row per search for its whole life.
create function memvault.prune_rerank_samples(p_after interval default '1 day') returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
  with gone as (
    delete from memvault.rerank_rollout_samples x
    using memvault.rerank_rollouts r
    where r.id = x.rollout_id and x.finished_at < r.evaluated_until - p_after
    returning 1
  )
  select count(*) from gone
$$;

revoke all on function memvault.create_rerank_variant(text, text, text, text, integer, integer, integer, integer),
  memvault.set_default_rerank_variant(text),
  memvault.create_rerank_rollout(text, text, text, jsonb, jsonb, integer, integer, integer, text),
  memvault.start_rerank_rollout(text), memvault.pause_rerank_rollout(text), memvault.resume_rerank_rollout(text),
  memvault.promote_rerank_rollout(text), memvault.abort_rerank_rollout(text),
  memvault.evaluate_rerank_rollout(bigint, interval), memvault.active_rerank_rollouts(), memvault.prune_rerank_samples(interval)
  from public;
grant execute on function memvault.create_rerank_variant(text, text, text, text, integer, integer, integer, integer),
  memvault.set_default_rerank_variant(text),
  memvault.create_rerank_rollout(text, text, text, jsonb, jsonb, integer, integer, integer, text),
  memvault.start_rerank_rollout(text), memvault.pause_rerank_rollout(text), memvault.resume_rerank_rollout(text),
  memvault.promote_rerank_rollout(text), memvault.abort_rerank_rollout(text)
  to memvault_operator;
grant execute on function memvault.evaluate_rerank_rollout(bigint, interval), memvault.active_rerank_rollouts(),
  memvault.prune_rerank_samples(interval)
  to memvault_worker, memvault_operator;

------------------------------------------------------------------------------
-- DBA views (memvault_monitor).
------------------------------------------------------------------------------
create view memvault.monitor_rerank_rollouts as
  select r.id, r.name, r.state, r.control_variant, r.treatment_variant,
         r.current_step, (select max(s.step) from memvault.rerank_rollout_steps s where s.rollout_id = r.id) as steps,
         case when r.state in ('running', 'paused') then coalesce(cs.share_bp, 0) when r.state = 'promoted' then 10000 else 0 end as treatment_share_bp,
         r.failures, r.failure_limit, r.interval_seconds, r.min_interval_samples,
         r.step_started_at, r.evaluated_until,
         case when r.state in ('running', 'paused') then r.evaluated_until + make_interval(secs => r.interval_seconds) end as next_evaluation_at,
         cs.min_duration_seconds as step_min_duration_seconds, cs.min_samples as step_min_samples,
         (select x.verdict from memvault.rerank_rollout_measurements x where x.rollout_id = r.id and x.arm = 'treatment'
          order by x.window_end desc limit 1) as last_treatment_verdict,
         r.created_at, r.created_by, r.started_at, r.finished_at
  from memvault.rerank_rollouts r
  left join memvault.rerank_rollout_steps cs on cs.rollout_id = r.id and cs.step = r.current_step;
create view memvault.monitor_rerank_measurements as
  select r.name as rollout, x.window_start, x.window_end, x.step, x.arm, x.variant, x.samples, x.reranked, x.errors,
         x.p95_latency_ms, x.skip_rate, x.error_rate, x.verdict, x.reasons
  from memvault.rerank_rollout_measurements x join memvault.rerank_rollouts r on r.id = x.rollout_id;
create view memvault.monitor_rerank_events as
  select r.name as rollout, e.id, e.at, e.actor, e.from_state, e.to_state, e.step, e.share_bp, e.reason, e.evidence
  from memvault.rerank_rollout_events e join memvault.rerank_rollouts r on r.id = e.rollout_id;
grant select on memvault.monitor_rerank_rollouts, memvault.monitor_rerank_measurements, memvault.monitor_rerank_events
  to memvault_monitor, memvault_operator;
