-- Reverse of 000015: verdicts weigh every sample again (000008's evaluate_rerank_rollout
-- and sample trigger); the tenant keys, the per-tenant cap and the measurements' tenant and
-- capped counts are dropped (deploy rollback names them and asks first).
create or replace function memvault.tg_search_requests__record_rollout_sample() returns trigger
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

alter table memvault.rerank_rollout_measurements drop column if exists capped_samples;
alter table memvault.rerank_rollout_measurements drop column if exists tenants;
alter table memvault.rerank_rollout_samples drop column if exists tenant_key;
alter table memvault.rerank_rollouts drop constraint if exists rerank_rollouts_max_tenant_samples;
alter table memvault.rerank_rollouts drop column if exists max_tenant_samples;
