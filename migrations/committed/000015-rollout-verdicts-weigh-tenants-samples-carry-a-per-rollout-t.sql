--! Previous: sha1:f6a6b47ab9076a5d488f2ca8928f8572ba446847
--! Hash: sha1:5055b1aad7cd38b1aaa15802e5f494979e394b44
--! Message: Rollout verdicts weigh tenants: samples carry a per-rollout tenant key, each tenant counts at most max_tenant_samples per arm per interval

-- Rollout verdicts weigh tenants, not requests (issue: one tenant's traffic could force a
-- rollback or hide a bad treatment for everyone). Each sample carries a per-rollout
-- pseudonymous tenant key (SHA-256 of salt, ':tenant:' and user_hash, 60 bits: links one
-- tenant's samples within a rollout, nothing else; the user_hash itself is never stored),
-- and an interval counts at most max_tenant_samples samples per tenant per arm (default 10).
-- A measurement records how many tenants it heard from and how many samples the cap left out.
alter table memvault.rerank_rollouts add column if not exists max_tenant_samples integer not null default 10;
alter table memvault.rerank_rollouts drop constraint if exists rerank_rollouts_max_tenant_samples;
alter table memvault.rerank_rollouts add constraint rerank_rollouts_max_tenant_samples check (max_tenant_samples between 1 and 1000000);
comment on column memvault.rerank_rollouts.max_tenant_samples is 'Samples one tenant may contribute per arm per interval; the rest are counted in capped_samples, not judged.';
alter table memvault.rerank_rollout_samples add column if not exists tenant_key bigint;
comment on column memvault.rerank_rollout_samples.tenant_key is 'Pseudonymous per rollout: the first 60 bits of SHA-256(salt || '':tenant:'' || user_hash). Null for samples recorded before it existed.';
alter table memvault.rerank_rollout_measurements add column if not exists tenants integer;
alter table memvault.rerank_rollout_measurements add column if not exists capped_samples integer;
comment on column memvault.rerank_rollout_measurements.capped_samples is 'Samples of the interval left out because their tenant had already given max_tenant_samples.';

create or replace function memvault.tg_search_requests__record_rollout_sample() returns trigger
language plpgsql
volatile
security definer -- the samples table is written by no runtime role
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
revoke all on function memvault.tg_search_requests__record_rollout_sample() from public;

create or replace function memvault.evaluate_rerank_rollout(p_rollout_id bigint, p_grace interval default '1 second')
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
           count(x.id) filter (where not x.capped)::integer as samples,
           count(x.id) filter (where not x.capped and x.outcome = 'reranked')::integer as reranked,
           count(x.id) filter (where not x.capped and x.outcome in ('error', 'no_model'))::integer as errors,
           percentile_cont(0.95) within group (order by x.latency_ms) filter (where not x.capped and x.outcome in ('reranked', 'timeout')) as p95_latency_ms,
           count(distinct coalesce(x.tenant_key, -x.id))::integer as tenants,
           count(x.id) filter (where x.capped)::integer as capped_samples
    from (values ('control'), ('treatment')) a(arm)
    left join (
      -- Each tenant's first max_tenant_samples of the interval, per arm: one tenant's traffic
      -- (max-length queries, self-inflicted deadline skips) cannot outweigh the others'.
      -- Samples recorded before tenant keys existed count one each.
      select y.*, y.nth > r.max_tenant_samples as capped
      from (select s.*, pg_catalog.row_number() over (partition by s.arm, coalesce(s.tenant_key, -s.id) order by s.finished_at, s.id) as nth
            from memvault.rerank_rollout_samples s
            where s.rollout_id = r.id and s.outcome <> 'disabled'
              and s.finished_at >= r.evaluated_until and s.finished_at < v_end) y
    ) x on x.arm = a.arm
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
        (rollout_id, window_end, arm, window_start, step, variant, samples, reranked, errors, p95_latency_ms, skip_rate, error_rate, verdict, reasons,
         tenants, capped_samples)
      values (r.id, v_end, m.arm, r.evaluated_until, r.current_step, me.variant, me.samples, me.reranked, me.errors,
              me.p95_latency_ms, (rates->>'skip_rate')::float8, (rates->>'error_rate')::float8, verdicts->>m.arm, reasons,
              me.tenants, me.capped_samples)
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
