-- memvault schema dump: PostgreSQL 15
--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: memvault; Type: SCHEMA; Schema: -; Owner: memvault_owner
--

CREATE SCHEMA memvault;

ALTER SCHEMA memvault OWNER TO memvault_owner;

--
-- Name: SCHEMA memvault; Type: COMMENT; Schema: -; Owner: memvault_owner
--

COMMENT ON SCHEMA memvault IS 'memvault: tenant-isolated memories. Every tenant table has RLS enabled and forced on user_hash.';

--
-- Name: vector; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

--
-- Name: EXTENSION vector; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION vector IS 'vector data type and ivfflat and hnsw access methods';

--
-- Name: abort_rerank_rollout(text); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.abort_rerank_rollout(p_name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

ALTER FUNCTION memvault.abort_rerank_rollout(p_name text) OWNER TO memvault_owner;

--
-- Name: active_rerank_rollouts(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.active_rerank_rollouts() RETURNS SETOF bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
  select id from memvault.rerank_rollouts where state in ('running', 'paused') order by id
$$;

ALTER FUNCTION memvault.active_rerank_rollouts() OWNER TO memvault_owner;

--
-- Name: create_rerank_rollout(text, text, text, jsonb, jsonb, integer, integer, integer, text); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.create_rerank_rollout(p_name text, p_control text, p_treatment text, p_steps jsonb, p_guardrails jsonb, p_interval_seconds integer, p_failure_limit integer, p_min_interval_samples integer, p_salt text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

ALTER FUNCTION memvault.create_rerank_rollout(p_name text, p_control text, p_treatment text, p_steps jsonb, p_guardrails jsonb, p_interval_seconds integer, p_failure_limit integer, p_min_interval_samples integer, p_salt text) OWNER TO memvault_owner;

--
-- Name: create_rerank_variant(text, text, text, text, integer, integer, integer, integer); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.create_rerank_variant(p_name text, p_model_dir text, p_remote_url text, p_model_sha256 text, p_batch_size integer DEFAULT 32, p_max_length integer DEFAULT 256, p_threads integer DEFAULT 2, p_budget_ms integer DEFAULT 250) RETURNS text
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
  insert into memvault.rerank_variants (name, model_dir, remote_url, model_sha256, batch_size, max_length, threads, budget_ms, created_by)
  values (p_name, p_model_dir, p_remote_url, pg_catalog.lower(p_model_sha256), p_batch_size, p_max_length, p_threads, p_budget_ms, session_user)
  returning name
$$;

ALTER FUNCTION memvault.create_rerank_variant(p_name text, p_model_dir text, p_remote_url text, p_model_sha256 text, p_batch_size integer, p_max_length integer, p_threads integer, p_budget_ms integer) OWNER TO memvault_owner;

--
-- Name: current_user_hash(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.current_user_hash() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select nullif(pg_catalog.current_setting('app.user_hash', true), '')
$$;

ALTER FUNCTION memvault.current_user_hash() OWNER TO memvault_owner;

--
-- Name: FUNCTION current_user_hash(); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.current_user_hash() IS 'The tenant of this transaction (app.user_hash), or null when unset or empty: then every tenant policy matches nothing.';

--
-- Name: default_rerank_variant(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.default_rerank_variant() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select s.default_variant from memvault.rerank_settings s $$;

ALTER FUNCTION memvault.default_rerank_variant() OWNER TO memvault_owner;

--
-- Name: FUNCTION default_rerank_variant(); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.default_rerank_variant() IS 'The rerank variant tenants outside a rollout are served (null: each worker''s RERANK_* settings). For the API''s /readyz.';

--
-- Name: erase_tenant(uuid, uuid[], timestamp with time zone); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS TABLE(erased_at timestamp with time zone, memories bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  tenant text := memvault.current_user_hash();
  at timestamptz := coalesce(recorded_at, pg_catalog.now());
  n bigint;
begin
  if tenant is null then
    raise exception 'no tenant is set' using errcode = '42501';
  end if;
  if erasure is null or erased_key_ids is null then
    raise exception 'erasure and erased_key_ids are required' using errcode = '22023';
  end if;
  delete from memvault.tenant_keys k where k.user_hash = tenant;
  delete from memvault.chunk_ingest c where c.user_hash = tenant;
  delete from memvault.search_requests s where s.user_hash = tenant;
  select pg_catalog.count(*) into n from memvault.memory_chunks m where m.user_hash = tenant;
  insert into memvault.tenant_erasures (user_hash, erasure_id, erased_at, key_ids, memories_at_erasure)
    values (tenant, erasure, at, erased_key_ids, n)
    on conflict (user_hash, erasure_id) do nothing;
  perform graphile_worker.add_job('purge_tenant', json_build_object('userHash', tenant, 'erasureId', erasure),
    job_key := 'purge_tenant:' || tenant || ':' || erasure::text, max_attempts := 25);
  return query select at, n;
end;
$$;

ALTER FUNCTION memvault.erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamp with time zone) OWNER TO memvault_owner;

--
-- Name: FUNCTION erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamp with time zone); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamp with time zone) IS 'Erases the current tenant (app.user_hash): deletes its wrapped data keys, pending memories and search requests, records the erasure (at recorded_at, default now) and enqueues its purge_tenant job. Returns when, and how many sealed memories the purge will delete.';

--
-- Name: evaluate_rerank_rollout(bigint, interval); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.evaluate_rerank_rollout(p_rollout_id bigint, p_grace interval DEFAULT '00:00:01'::interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

ALTER FUNCTION memvault.evaluate_rerank_rollout(p_rollout_id bigint, p_grace interval) OWNER TO memvault_owner;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: rerank_rollouts; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.rerank_rollouts (
    id bigint NOT NULL,
    name text NOT NULL,
    control_variant text NOT NULL,
    treatment_variant text NOT NULL,
    salt text NOT NULL,
    interval_seconds integer NOT NULL,
    failure_limit integer NOT NULL,
    min_interval_samples integer NOT NULL,
    state text DEFAULT 'pending'::text NOT NULL,
    current_step integer DEFAULT 0 NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    step_started_at timestamp with time zone,
    evaluated_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by text DEFAULT SESSION_USER NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    max_tenant_samples integer DEFAULT 10 NOT NULL,
    CONSTRAINT rerank_rollouts_current_step CHECK ((current_step >= 0)),
    CONSTRAINT rerank_rollouts_failure_limit CHECK (((failure_limit >= 1) AND (failure_limit <= 1000))),
    CONSTRAINT rerank_rollouts_failures CHECK ((failures >= 0)),
    CONSTRAINT rerank_rollouts_interval CHECK (((interval_seconds >= 1) AND (interval_seconds <= 86400))),
    CONSTRAINT rerank_rollouts_max_tenant_samples CHECK (((max_tenant_samples >= 1) AND (max_tenant_samples <= 1000000))),
    CONSTRAINT rerank_rollouts_min_interval_samples CHECK (((min_interval_samples >= 1) AND (min_interval_samples <= 1000000))),
    CONSTRAINT rerank_rollouts_name_format CHECK ((name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'::text)),
    CONSTRAINT rerank_rollouts_salt_format CHECK (((length(salt) >= 1) AND (length(salt) <= 200))),
    CONSTRAINT rerank_rollouts_state CHECK ((state = ANY (ARRAY['pending'::text, 'running'::text, 'paused'::text, 'promoted'::text, 'rolled_back'::text, 'aborted'::text]))),
    CONSTRAINT rerank_rollouts_two_variants CHECK ((control_variant <> treatment_variant))
);

ALTER TABLE memvault.rerank_rollouts OWNER TO memvault_owner;

--
-- Name: TABLE rerank_rollouts; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.rerank_rollouts IS 'Canary rollouts of a treatment reranker variant against a control. Written only by the *_rerank_rollout functions.';

--
-- Name: COLUMN rerank_rollouts.max_tenant_samples; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.rerank_rollouts.max_tenant_samples IS 'Samples one tenant may contribute per arm per interval; the rest are counted in capped_samples, not judged.';

--
-- Name: lock_rerank_rollout(text, text[]); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.lock_rerank_rollout(p_name text, p_from text[]) RETURNS memvault.rerank_rollouts
    LANGUAGE plpgsql
    AS $$
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

ALTER FUNCTION memvault.lock_rerank_rollout(p_name text, p_from text[]) OWNER TO memvault_owner;

--
-- Name: memory_filter_predicates(text, integer, bytea, bytea, bytea[], bytea[], timestamp with time zone, timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.memory_filter_predicates(tenant text, first_param integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
  filters text := '';
  labels constant text := ' and c.id in (select l.memory_id from memvault.memory_labels l where l.user_hash = %L and l.label_hash %s)';
begin
  if filter_scope is not null then filters := filters || format(' and c.scope_hash = $%s', first_param); end if;
  if filter_scope_level is not null then filters := filters || format(labels, tenant, format('= $%s', first_param + 1)); end if;
  if filter_tags_any is not null then filters := filters || format(labels, tenant, format('= any($%s)', first_param + 2)); end if;
  if filter_tags_all is not null then
    filters := filters || format(labels, tenant, format('= any($%1$s) group by l.memory_id having count(*) = (select count(distinct h) from unnest($%1$s) as h)', first_param + 3));
  end if;
  if filter_created_after is not null then filters := filters || format(' and c.created_at > $%s', first_param + 4); end if;
  if filter_created_before is not null then filters := filters || format(' and c.created_at < $%s', first_param + 5); end if;
  if filter_occurred_after is not null then filters := filters || format(' and c.occurred_at > $%s', first_param + 6); end if;
  if filter_occurred_before is not null then filters := filters || format(' and c.occurred_at < $%s', first_param + 7); end if;
  return filters;
end;
$_$;

ALTER FUNCTION memvault.memory_filter_predicates(tenant text, first_param integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) OWNER TO memvault_owner;

--
-- Name: pause_rerank_rollout(text); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.pause_rerank_rollout(p_name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  r memvault.rerank_rollouts := memvault.lock_rerank_rollout(p_name, array['running']);
begin
  update memvault.rerank_rollouts set state = 'paused', updated_at = now() where id = r.id returning * into r;
  perform memvault.rerank_rollout_event(r, 'running', session_user, 'paused: the share holds, guardrails are still evaluated', '{}');
end;
$$;

ALTER FUNCTION memvault.pause_rerank_rollout(p_name text) OWNER TO memvault_owner;

--
-- Name: promote_rerank_rollout(text); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.promote_rerank_rollout(p_name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  r memvault.rerank_rollouts := memvault.lock_rerank_rollout(p_name, array['running', 'paused']);
  was text := r.state;
begin
  update memvault.rerank_rollouts set state = 'promoted', finished_at = now(), updated_at = now() where id = r.id returning * into r;
  update memvault.rerank_settings set default_variant = r.treatment_variant, updated_at = now(), updated_by = session_user;
  perform memvault.rerank_rollout_event(r, was, session_user, 'promoted by an operator: ' || r.treatment_variant || ' is the default', '{}');
end;
$$;

ALTER FUNCTION memvault.promote_rerank_rollout(p_name text) OWNER TO memvault_owner;

--
-- Name: prune_rerank_samples(interval); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.prune_rerank_samples(p_after interval DEFAULT '1 day'::interval) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
  with gone as (
    delete from memvault.rerank_rollout_samples x
    using memvault.rerank_rollouts r
    where r.id = x.rollout_id and x.finished_at < r.evaluated_until - p_after
    returning 1
  )
  select count(*) from gone
$$;

ALTER FUNCTION memvault.prune_rerank_samples(p_after interval) OWNER TO memvault_owner;

--
-- Name: recount_term_stats(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.recount_term_stats() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  n integer;
begin
  if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    raise exception 'memvault.recount_term_stats() must be run by a superuser: it reads every tenant' using errcode = '42501';
  end if;
  delete from memvault.memory_terms t
    where not exists (select 1 from memvault.memory_chunks c where c.user_hash = t.user_hash and c.id = t.memory_id);
  delete from memvault.memory_term_stats;
  insert into memvault.memory_term_stats (user_hash, documents, total_length)
    select t.user_hash, count(*), coalesce(sum(t.memory_length), 0) from memvault.memory_terms t where t.term_hash = '\x'::bytea group by t.user_hash;
  get diagnostics n = row_count;
  return n;
end;
$$;

ALTER FUNCTION memvault.recount_term_stats() OWNER TO memvault_owner;

--
-- Name: FUNCTION recount_term_stats(); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.recount_term_stats() IS 'Superuser only: remove keyword terms whose memory is gone, then recount memory_term_stats for every tenant from memory_terms'' length rows. Returns the number of tenants.';

--
-- Name: request_reseal(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.request_reseal() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  n integer := 0;
  t text;
begin
  if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    raise exception 'memvault.request_reseal() must be run by a superuser: it lists every tenant'
      using errcode = '42501';
  end if;
  for t in select distinct user_hash from memvault.memory_chunks loop
    perform graphile_worker.add_job('reseal_chunks', json_build_object('userHash', t),
      job_key := 'reseal_chunks:' || t);
    n := n + 1;
  end loop;
  return n;
end;
$$;

ALTER FUNCTION memvault.request_reseal() OWNER TO memvault_owner;

--
-- Name: FUNCTION request_reseal(); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.request_reseal() IS 'Superuser only: enqueue a re-seal job per tenant (rows sealed under an older key version move to the current primary). Returns the number of tenants.';

--
-- Name: request_term_index(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.request_term_index() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  n integer := 0;
  t text;
begin
  if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    raise exception 'memvault.request_term_index() must be run by a superuser: it lists every tenant' using errcode = '42501';
  end if;
  for t in
    select distinct c.user_hash from memvault.memory_chunks c
    where not exists (select 1 from memvault.memory_terms m where m.user_hash = c.user_hash and m.term_hash = '\x'::bytea and m.memory_id = c.id)
  loop
    perform graphile_worker.add_job('index_terms', json_build_object('userHash', t), job_key := 'index_terms:' || t);
    n := n + 1;
  end loop;
  return n;
end;
$$;

ALTER FUNCTION memvault.request_term_index() OWNER TO memvault_owner;

--
-- Name: FUNCTION request_term_index(); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.request_term_index() IS 'Superuser only: enqueue an index_terms job per tenant with memories that have no keyword terms (sealed before keyword search, or while KEYWORD_INDEX was off). Returns the number of tenants.';

--
-- Name: rerank_assignment(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.rerank_assignment() RETURNS TABLE(rollout_id bigint, arm text, name text, model_dir text, remote_url text, model_sha256 text, batch_size integer, max_length integer, threads integer, budget_ms integer)
    LANGUAGE sql STABLE
    AS $$
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

ALTER FUNCTION memvault.rerank_assignment() OWNER TO memvault_owner;

--
-- Name: rerank_bucket(text, text); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.rerank_bucket(salt text, user_hash text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  select ((('x' || pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(salt || ':' || user_hash, 'UTF8')), 'hex'), 8))::bit(32)::bigint) % 10000)::integer
$$;

ALTER FUNCTION memvault.rerank_bucket(salt text, user_hash text) OWNER TO memvault_owner;

--
-- Name: FUNCTION rerank_bucket(salt text, user_hash text); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.rerank_bucket(salt text, user_hash text) IS 'A tenant''s rollout bucket in [0, 10000): stable for a salt, independent of everything else.';

--
-- Name: rerank_rollout_event(memvault.rerank_rollouts, text, text, text, jsonb); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.rerank_rollout_event(r memvault.rerank_rollouts, from_state text, actor text, reason text, evidence jsonb) RETURNS void
    LANGUAGE sql
    AS $$
  insert into memvault.rerank_rollout_events (rollout_id, actor, from_state, to_state, step, share_bp, reason, evidence)
  values (r.id, actor, from_state, r.state, r.current_step,
          case when r.state in ('running', 'paused')
               then coalesce((select s.share_bp from memvault.rerank_rollout_steps s where s.rollout_id = r.id and s.step = r.current_step), 0)
               when r.state = 'promoted' then 10000
               else 0 end,
          reason, coalesce(evidence, '{}'::jsonb));
  select pg_catalog.pg_notify('memvault_rollout', r.id::text);
$$;

ALTER FUNCTION memvault.rerank_rollout_event(r memvault.rerank_rollouts, from_state text, actor text, reason text, evidence jsonb) OWNER TO memvault_owner;

--
-- Name: reserve_seals(integer, integer); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.reserve_seals(key_version integer, seals integer) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  total bigint;
begin
  if key_version is null or key_version < 1 then
    raise exception 'key_version must be positive' using errcode = '22023';
  end if;
  if seals is null or seals < 1 or seals > 16777216 then
    raise exception 'seals must be between 1 and 2^24' using errcode = '22023';
  end if;
  insert into memvault.key_seal_reservations as r (key_version, reserved)
  values (reserve_seals.key_version, reserve_seals.seals)
  on conflict on constraint key_seal_reservations_pkey do update
    set reserved = r.reserved + excluded.reserved, updated_at = now()
    where r.reserved + excluded.reserved <= 4294967296
  returning r.reserved into total;
  if total is null then
    raise exception 'key version % has reached 2^32 seals: rotate the keyring', reserve_seals.key_version
      using errcode = '54000';
  end if;
  return total;
end;
$$;

ALTER FUNCTION memvault.reserve_seals(key_version integer, seals integer) OWNER TO memvault_owner;

--
-- Name: FUNCTION reserve_seals(key_version integer, seals integer); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.reserve_seals(key_version integer, seals integer) IS 'Reserves a block of seals under a key version; returns the total reserved. 54000 once 2^32 would be passed.';

--
-- Name: resume_rerank_rollout(text); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.resume_rerank_rollout(p_name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  r memvault.rerank_rollouts := memvault.lock_rerank_rollout(p_name, array['paused']);
begin
  update memvault.rerank_rollouts set state = 'running', updated_at = now() where id = r.id returning * into r;
  perform memvault.rerank_rollout_event(r, 'paused', session_user, 'resumed', '{}');
  perform memvault.schedule_rerank_evaluation(r.evaluated_until + make_interval(secs => r.interval_seconds + 1));
end;
$$;

ALTER FUNCTION memvault.resume_rerank_rollout(p_name text) OWNER TO memvault_owner;

--
-- Name: schedule_rerank_evaluation(timestamp with time zone); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.schedule_rerank_evaluation(p_run_at timestamp with time zone) RETURNS void
    LANGUAGE sql
    AS $$
  select graphile_worker.add_job('evaluate_rollouts', '{}'::json, run_at := p_run_at, max_attempts := 5,
                                 job_key := 'evaluate_rollouts', job_key_mode := 'replace');
$$;

ALTER FUNCTION memvault.schedule_rerank_evaluation(p_run_at timestamp with time zone) OWNER TO memvault_owner;

--
-- Name: search_chunks(public.vector, integer, bytea, bytea, bytea[], bytea[], timestamp with time zone, timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.search_chunks(query public.vector, k integer DEFAULT 8, filter_scope bytea DEFAULT NULL::bytea, filter_scope_level bytea DEFAULT NULL::bytea, filter_tags_any bytea[] DEFAULT NULL::bytea[], filter_tags_all bytea[] DEFAULT NULL::bytea[], filter_created_after timestamp with time zone DEFAULT NULL::timestamp with time zone, filter_created_before timestamp with time zone DEFAULT NULL::timestamp with time zone, filter_occurred_after timestamp with time zone DEFAULT NULL::timestamp with time zone, filter_occurred_before timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS TABLE(id uuid, distance double precision)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
  tenant text := memvault.current_user_hash();
  exact_max integer := coalesce(nullif(current_setting('memvault.exact_search_max_rows', true), '')::integer, 5000);
  -- The HNSW rule (bench:ann, README "ANN recall"): ef_search = k * ef_per_k, at most
  -- pgvector's 1000.
  ef_per_k integer := coalesce(nullif(current_setting('memvault.hnsw_ef_per_k', true), '')::integer, 40);
  matching integer;
  filters text;
  ids uuid[] := '{}';
  distances double precision[] := '{}';
begin
  if k is null or k < 1 or k > 1000 then
    raise exception 'k must be between 1 and 1000' using errcode = '22023';
  end if;
  if query is null or public.vector_dims(query) <> 384 then
    raise exception 'query embedding must have 384 dimensions' using errcode = '22000';
  end if;
  if public.vector_norm(query) = 0 then
    raise exception 'query embedding must not be the zero vector' using errcode = '22023';
  end if;
  if tenant is null then
    return; -- fail closed; RLS would return nothing anyway
  end if;

  -- Only the filters given become predicates (parameters $3..$10).
  filters := memvault.memory_filter_predicates(tenant, 3, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
    filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before);

  -- Dynamic SQL throughout so the planner sees this tenant's literal key.
  -- How many rows match, up to exact_max + 1 (without filters: an index-only count)?
  -- Expired rows are counted: the count only chooses the strategy.
  execute format('select count(*) from (select 1 from memvault.memory_chunks c where c.user_hash = %L %s limit %s) s',
                 tenant, filters, exact_max + 1)
    into matching using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
      filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;

  filters := filters || ' and (c.expires_at is null or c.expires_at > pg_catalog.now())';

  if matching > exact_max then
    -- Without iterative scans the HNSW scan returns ef_search candidates and RLS and the
    -- filters then drop the rest: a small share of the table would get too few rows.
    -- Measured on 100k clustered rows (bench:ann --sweep): with ef_search 40 a tenant
    -- holding half the table got recall@8 0.93, with 15k 0.99, with 25k 0.993-1.0 over six
    -- index builds, with 40k 0.999-1.0 at the same latency. A tenant
    -- holding 3% makes the scan skip 97% of what it visits (p95 7.9 ms, recall 0.993),
    -- where ranking its rows exactly takes 2 ms: hence exact up to 5000 rows. The result
    -- is sorted again because relaxed_order may hand out later finds out of order: by
    -- "distance + 0", which the planner cannot match to the scan's ORDER BY. Sorting by
    -- "distance" itself, PostgreSQL 16 and later take the scan's output as already sorted
    -- (presorted input for ordered aggregates) and relaxed_order's misorders reach the caller.
    -- (The cosine HNSW index holds no zero vectors.)
    -- SET LOCAL, not set_config(): Citus sends SET LOCAL (never set_config) on to the
    -- worker node that runs the scan, when the tenant transaction propagates SET LOCAL.
    execute 'set local hnsw.iterative_scan = relaxed_order';
    execute format('set local hnsw.ef_search = %s',
      least(1000, greatest(coalesce(nullif(current_setting('hnsw.ef_search', true), '')::integer, 40), k * greatest(1, ef_per_k))));
    execute format($sql$
      select coalesce(array_agg(id order by distance + 0, id), '{}'), coalesce(array_agg(distance order by distance + 0, id), '{}')
      from (
        select c.id, c.embedding operator(public.<=>) $1 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L %s
        order by c.embedding operator(public.<=>) $1
        limit $2
      ) candidates
      where distance <> 'NaN'::double precision
    $sql$, tenant, filters)
      into ids, distances using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
        filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;
  end if;

  if cardinality(ids) < k and matching > 0 then
    -- Few matching rows, and large sets whose iterative scan gave up at
    -- hnsw.max_scan_tuples: rank the matching rows exactly. "+ 0" keeps the planner off the
    -- ANN index. A zero vector (NaN distance; only rows from before the CHECK) is never a hit.
    execute format($sql$
      select coalesce(array_agg(id order by distance, id), '{}'), coalesce(array_agg(distance order by distance, id), '{}')
      from (
        select c.id, (c.embedding operator(public.<=>) $1) + 0 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L %s
          and (c.embedding operator(public.<=>) $1) <> 'NaN'::double precision
        order by 2
        limit $2
      ) exact
    $sql$, tenant, filters)
      into ids, distances using query, k, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
        filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;
  end if;

  return query select u.id, u.distance from unnest(ids, distances) as u(id, distance);
end;
$_$;

ALTER FUNCTION memvault.search_chunks(query public.vector, k integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) OWNER TO memvault_owner;

--
-- Name: FUNCTION search_chunks(query public.vector, k integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.search_chunks(query public.vector, k integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) IS 'The current tenant''s k (1..1000) nearest unexpired chunks by cosine distance that match the filters (scope hash, scope-level hash, any / all of the tag hashes as in memory_labels, created after / before, occurred after / before), nearest first: exactly min(k, matching rows with a non-zero embedding) rows. Up to memvault.exact_search_max_rows matching rows (default 5000) are ranked exactly, more through HNSW with iterative scans and hnsw.ef_search = k * memvault.hnsw_ef_per_k (default 40; at most 1000; never below the session''s hnsw.ef_search). A zero query vector is refused (22023).';

--
-- Name: search_keyword(bytea[], integer[], integer, double precision, double precision, bytea, bytea, bytea[], bytea[], timestamp with time zone, timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.search_keyword(terms bytea[], frequencies integer[], k integer DEFAULT 8, k1 double precision DEFAULT 1.2, b double precision DEFAULT 0.75, filter_scope bytea DEFAULT NULL::bytea, filter_scope_level bytea DEFAULT NULL::bytea, filter_tags_any bytea[] DEFAULT NULL::bytea[], filter_tags_all bytea[] DEFAULT NULL::bytea[], filter_created_after timestamp with time zone DEFAULT NULL::timestamp with time zone, filter_created_before timestamp with time zone DEFAULT NULL::timestamp with time zone, filter_occurred_after timestamp with time zone DEFAULT NULL::timestamp with time zone, filter_occurred_before timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS TABLE(id uuid, score double precision)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
  tenant text := memvault.current_user_hash();
  filters text;
  documents bigint;
  total_length bigint;
  avg_length double precision;
  weighted_terms bytea[];
  weights double precision[];
  dfs bigint[];
  -- How many of the most frequent terms the first attempt scores only for candidates.
  common integer := 0;
  -- Pruning pays when it leaves many postings unread; a small tenant is scored whole.
  prune_min integer := coalesce(nullif(current_setting('memvault.keyword_prune_min_postings', true), '')::integer, 10000);
  candidates uuid[];
  bound double precision;
  pool integer := greatest(4 * k, 64);
  ids uuid[];
  scores double precision[];
  exact integer;
  kept uuid[];
  passed uuid[];
  lo integer;
  width integer;
begin
  if k is null or k < 1 or k > 1000 then
    raise exception 'k must be between 1 and 1000' using errcode = '22023';
  end if;
  if terms is null or frequencies is null or cardinality(terms) <> cardinality(frequencies) or cardinality(terms) > 1024 then
    raise exception 'terms and frequencies must be arrays of the same length, at most 1024' using errcode = '22023';
  end if;
  if exists (select 1 from unnest(terms, frequencies) as q(t, f) where t is null or octet_length(t) <> 16 or f is null or f < 1) then
    raise exception 'each term must be a 16-byte hash with a positive frequency' using errcode = '22023';
  end if;
  if k1 is null or k1 < 0 or k1 > 100 or b is null or b < 0 or b > 1 then
    raise exception 'k1 must be between 0 and 100 and b between 0 and 1' using errcode = '22023';
  end if;
  if tenant is null or cardinality(terms) = 0 then
    return; -- fail closed; RLS would return nothing anyway
  end if;

  -- The tenant's memory count and total length, kept by every writer (memory_term_stats).
  execute format('select s.documents, s.total_length from memvault.memory_term_stats s where s.user_hash = %L', tenant)
    into documents, total_length;
  if documents is null or documents <= 0 or total_length <= 0 then
    return;
  end if;
  avg_length := total_length::double precision / documents;
  filters := memvault.memory_filter_predicates(tenant, 2, filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
    filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before)
    || ' and (c.expires_at is null or c.expires_at > pg_catalog.now())';

  -- Each distinct query term the tenant has: its weight (count in the query times idf) and
  -- its document frequency (counted on the key), the most frequent first.
  execute format($sql$
    select array_agg(term_hash order by n desc, term_hash), array_agg(weight order by n desc, term_hash), array_agg(n order by n desc, term_hash)
    from (
      select q.term_hash, q.frequency * ln(1 + ($3 - d.n + 0.5) / (d.n + 0.5)) as weight, d.n
      from (select term_hash, sum(frequency)::double precision as frequency from unnest($1::bytea[], $2::integer[]) as u(term_hash, frequency) group by term_hash) q
      cross join lateral (select count(*) as n from memvault.memory_terms t where t.user_hash = %L and t.term_hash = q.term_hash) d
      where d.n > 0
    ) w
  $sql$, tenant) into weighted_terms, weights, dfs using terms, frequencies, documents::double precision;
  if weighted_terms is null then
    return;
  end if;

  -- MaxScore (Turtle and Flood, 1995): a memory holding none of the rarer terms scores at most
  -- `bound`, the common terms' weights times (k1 + 1). The first attempt leaves out the terms
  -- in at least 2% of the tenant's memories (keeping one term at least), scores the memories
  -- that hold a rarer term, and trusts its order down to the last score above `bound`. Only
  -- when the terms left out hold at least memvault.keyword_prune_min_postings postings
  -- (default 10,000): below that, scoring everything is as fast as a failed attempt.
  while common + 1 < cardinality(weighted_terms) and dfs[common + 1] * 50 >= documents loop
    common := common + 1;
  end loop;
  if common > 0 and (select sum(n) from unnest(dfs[1:common]) as n) < prune_min then
    common := 0;
  end if;

  loop
    kept := '{}';
    lo := 1;
    width := greatest(2 * k, 16);
    if common > 0 then
      execute format('select coalesce(array_agg(distinct t.memory_id), ''{}'') from memvault.memory_terms t where t.user_hash = %L and t.term_hash = any($1)', tenant)
        into candidates using weighted_terms[common + 1:];
      bound := (select sum(w) from unnest(weights[1:common]) as w) * (k1 + 1);
    end if;
    execute format($sql$
      select coalesce(array_agg(memory_id order by score desc, memory_id), '{}'), coalesce(array_agg(score order by score desc, memory_id), '{}')
      from (
        select p.memory_id, sum(p.weight * p.frequency * ($3 + 1) / (p.frequency + $3 * (1 - $4 + $4 * p.memory_length / $5))) as score
        from (
          -- The rarer terms' postings whole (every term's, without candidates), through the key.
          select w.weight, t.memory_id, t.frequency, t.memory_length
          from unnest($1::bytea[], $2::double precision[]) with ordinality as w(term_hash, weight, n)
          join memvault.memory_terms t on t.user_hash = %1$L and t.term_hash = w.term_hash
          where w.n > $7
          union all
          -- The common terms' postings of the candidates only: one probe of the key each.
          select w.weight, t.memory_id, t.frequency, t.memory_length
          from unnest($1::bytea[], $2::double precision[]) with ordinality as w(term_hash, weight, n)
          join memvault.memory_terms t on t.user_hash = %1$L and t.term_hash = w.term_hash and t.memory_id = any($8)
          where w.n <= $7
        ) p
        group by p.memory_id
        order by 2 desc, 1
        limit $6
      ) scored
    $sql$, tenant) into ids, scores using weighted_terms, weights, k1, b, avg_length, case when common > 0 then null else pool end, common, candidates;
    exact := case when common > 0 then coalesce((select max(u.n) from unnest(scores) with ordinality as u(s, n) where u.s > bound), 0) else cardinality(ids) end;

    -- The best first, a slice at a time, until k pass the filters.
    while lo <= exact and cardinality(kept) < k loop
      execute format('select coalesce(array_agg(c.id), ''{}'') from memvault.memory_chunks c where c.user_hash = %L and c.id = any($1) %s', tenant, filters)
        into passed using ids[lo:least(lo + width - 1, exact)], filter_scope, filter_scope_level, filter_tags_any, filter_tags_all,
          filter_created_after, filter_created_before, filter_occurred_after, filter_occurred_before;
      kept := kept || passed;
      lo := lo + width;
      width := least(width * 2, 1000000);
    end loop;
    exit when cardinality(kept) >= k or (common = 0 and (cardinality(ids) < pool or pool = 2147483647));
    -- Not enough above the bound, or the pool was filtered away: score every posting, all of them.
    if common = 0 then
      pool := 2147483647;
    end if;
    common := 0;
  end loop;

  return query
    select u.id, u.score from unnest(ids, scores) with ordinality as u(id, score, n)
    where u.id = any(kept) order by u.n limit k;
end;
$_$;

ALTER FUNCTION memvault.search_keyword(terms bytea[], frequencies integer[], k integer, k1 double precision, b double precision, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) OWNER TO memvault_owner;

--
-- Name: FUNCTION search_keyword(terms bytea[], frequencies integer[], k integer, k1 double precision, b double precision, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.search_keyword(terms bytea[], frequencies integer[], k integer, k1 double precision, b double precision, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) IS 'The current tenant''s k (1..1000) best unexpired memories by BM25 over the term blind indexes given (16-byte hashes, each with its frequency in the query), that match the filters (as search_chunks), best first, ties by id. Document frequencies, count and average length are the tenant''s own; filters do not change the scores.';

--
-- Name: set_default_rerank_variant(text); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.set_default_rerank_variant(p_name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
  if exists (select 1 from memvault.rerank_rollouts where state in ('running', 'paused')) then
    raise exception 'a rollout is active: promote or abort it first' using errcode = '55000';
  end if;
  update memvault.rerank_settings set default_variant = p_name, updated_at = now(), updated_by = session_user;
  -- Workers load the new default in the background (src/worker/prefetchVariants.ts).
  perform pg_catalog.pg_notify('memvault_rollout', 'default');
end;
$$;

ALTER FUNCTION memvault.set_default_rerank_variant(p_name text) OWNER TO memvault_owner;

--
-- Name: start_rerank_rollout(text); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.start_rerank_rollout(p_name text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

ALTER FUNCTION memvault.start_rerank_rollout(p_name text) OWNER TO memvault_owner;

--
-- Name: tg_chunk_ingest__enqueue_reseal(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.tg_chunk_ingest__enqueue_reseal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
  perform graphile_worker.add_job('seal_chunk',
    json_build_object('userHash', new.user_hash, 'id', new.id),
    job_key := 'seal_chunk:' || new.user_hash || ':' || new.id, job_key_mode := 'replace');
  return null;
end;
$$;

ALTER FUNCTION memvault.tg_chunk_ingest__enqueue_reseal() OWNER TO memvault_owner;

--
-- Name: tg_chunk_ingest__enqueue_seal(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.tg_chunk_ingest__enqueue_seal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  t record;
  i integer;
begin
  for t in select user_hash, count(*)::integer as n, min(id::text) as only_id from inserted group by user_hash loop
    if t.n = 1 then
      perform graphile_worker.add_job('seal_chunk',
        json_build_object('userHash', t.user_hash, 'id', t.only_id),
        job_key := 'seal_chunk:' || t.user_hash || ':' || t.only_id);
    else
      for i in 1 .. least(4, ceil(t.n / 500.0)::integer) loop
        perform graphile_worker.add_job('seal_batch',
          json_build_object('userHash', t.user_hash),
          job_key := 'seal_batch:' || t.user_hash || ':' || i);
      end loop;
    end if;
  end loop;
  return null;
end;
$$;

ALTER FUNCTION memvault.tg_chunk_ingest__enqueue_seal() OWNER TO memvault_owner;

--
-- Name: tg_chunk_ingest__reject_sealed_ids(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.tg_chunk_ingest__reject_sealed_ids() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
  t record;
  taken uuid;
begin
  for t in select i.user_hash, array_agg(i.id) as ids from inserted i where not i.replaces group by i.user_hash loop
    execute format('select c.id from memvault.memory_chunks c where c.user_hash = %L and c.id = any($1) limit 1', t.user_hash)
      into taken using t.ids;
    if taken is not null then
      raise exception 'chunk % already exists', taken using errcode = '23505', constraint = 'memory_chunks_pkey';
    end if;
  end loop;
  return null;
end;
$_$;

ALTER FUNCTION memvault.tg_chunk_ingest__reject_sealed_ids() OWNER TO memvault_owner;

--
-- Name: tg_search_requests__enqueue(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.tg_search_requests__enqueue() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
  perform graphile_worker.add_job('rerank_search',
    json_build_object('userHash', new.user_hash, 'id', new.id),
    max_attempts := 1, priority := -10);
  perform graphile_worker.add_job('expire_search_requests',
    json_build_object('userHash', new.user_hash),
    job_key := 'expire_search_requests:' || new.user_hash,
    job_key_mode := 'preserve_run_at');
  return null;
end;
$$;

ALTER FUNCTION memvault.tg_search_requests__enqueue() OWNER TO memvault_owner;

--
-- Name: tg_search_requests__record_rollout_sample(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.tg_search_requests__record_rollout_sample() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

ALTER FUNCTION memvault.tg_search_requests__record_rollout_sample() OWNER TO memvault_owner;

--
-- Name: unpurged_erasures(text[], uuid[]); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.unpurged_erasures(user_hashes text[], erasure_ids uuid[]) RETURNS TABLE(user_hash text, erasure_id uuid, known boolean)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  caller text := pg_catalog.current_setting('app.user_hash', true);
  h text;
  e uuid;
  purged timestamptz;
  found_row boolean;
begin
  if pg_catalog.cardinality(user_hashes) is distinct from pg_catalog.cardinality(erasure_ids) then
    raise exception 'user_hashes and erasure_ids must be arrays of the same length' using errcode = '22023';
  end if;
  for h, e in select * from unnest(user_hashes, erasure_ids) loop
    -- The owner is subject to the policies too: each pair is read as its own tenant (SET
    -- LOCAL, which Citus forwards to the shard's node).
    execute pg_catalog.format('set local app.user_hash = %L', h);
    select true, t.purged_at into found_row, purged from memvault.tenant_erasures t where t.user_hash = h and t.erasure_id = e;
    if purged is null then
      user_hash := h;
      erasure_id := e;
      known := coalesce(found_row, false);
      return next;
    end if;
    found_row := null;
    purged := null;
  end loop;
  execute pg_catalog.format('set local app.user_hash = %L', coalesce(caller, ''));
end;
$$;

ALTER FUNCTION memvault.unpurged_erasures(user_hashes text[], erasure_ids uuid[]) OWNER TO memvault_owner;

--
-- Name: FUNCTION unpurged_erasures(user_hashes text[], erasure_ids uuid[]); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.unpurged_erasures(user_hashes text[], erasure_ids uuid[]) IS 'Of the (tenant, erasure) pairs given, those the database does not hold as purged; known: it holds the erasure, its purge unfinished (otherwise a restore lost it).';

--
-- Name: chunk_ingest; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.chunk_ingest (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    text text NOT NULL,
    meta jsonb DEFAULT '{}'::jsonb NOT NULL,
    embedding public.vector(384),
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    scope_hash bytea,
    scope_path bytea[] DEFAULT '{}'::bytea[] NOT NULL,
    tag_hashes bytea[] DEFAULT '{}'::bytea[] NOT NULL,
    labels_cipher bytea,
    expires_at timestamp with time zone,
    replaces boolean DEFAULT false NOT NULL,
    occurred_at timestamp with time zone,
    CONSTRAINT chunk_ingest_labels_shape CHECK ((((scope_hash IS NULL) OR (octet_length(scope_hash) = 32)) AND (cardinality(scope_path) <= 8) AND (cardinality(tag_hashes) <= 32) AND ((labels_cipher IS NULL) OR (octet_length(labels_cipher) <= 8192)))),
    CONSTRAINT chunk_ingest_meta_object CHECK ((jsonb_typeof(meta) = 'object'::text)),
    CONSTRAINT chunk_ingest_meta_size CHECK ((octet_length((meta)::text) <= 16384)),
    CONSTRAINT chunk_ingest_text_size CHECK (((octet_length(text) >= 1) AND (octet_length(text) <= 65536))),
    CONSTRAINT chunk_ingest_user_hash_format CHECK ((user_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY memvault.chunk_ingest FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.chunk_ingest OWNER TO memvault_owner;

--
-- Name: TABLE chunk_ingest; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.chunk_ingest IS 'Plaintext chunks waiting for the worker to seal them into memory_chunks; each row lives until its seal job commits.';

--
-- Name: COLUMN chunk_ingest.embedding; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.chunk_ingest.embedding IS 'Null for a text-only memory: the seal job embeds the text before sealing it.';

--
-- Name: COLUMN chunk_ingest.last_error; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.chunk_ingest.last_error IS 'Error code of the last failed seal attempt (never content).';

--
-- Name: COLUMN chunk_ingest.replaces; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.chunk_ingest.replaces IS 'Set by update and upsert: the sealed memory with this id, if any, is replaced when this row is sealed.';

--
-- Name: COLUMN chunk_ingest.occurred_at; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.chunk_ingest.occurred_at IS 'When the remembered thing happened, as the client says (null: not given).';

--
-- Name: key_seal_reservations; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.key_seal_reservations (
    key_version integer NOT NULL,
    reserved bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT key_seal_reservations_bound CHECK (((reserved >= 0) AND (reserved <= '4294967296'::bigint))),
    CONSTRAINT key_seal_reservations_key_version_positive CHECK ((key_version > 0))
);

ALTER TABLE memvault.key_seal_reservations OWNER TO memvault_owner;

--
-- Name: TABLE key_seal_reservations; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.key_seal_reservations IS 'Seals reserved so far per key version (an upper bound on encryptions performed). No tenant data.';

--
-- Name: memory_chunks; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.memory_chunks (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    key_version integer NOT NULL,
    text_cipher bytea NOT NULL,
    meta_cipher bytea NOT NULL,
    emb_cipher bytea NOT NULL,
    embedding public.vector(384) NOT NULL,
    scope_hash bytea,
    labels_cipher bytea,
    expires_at timestamp with time zone,
    updated_at timestamp with time zone,
    occurred_at timestamp with time zone,
    CONSTRAINT memory_chunks_key_version_range CHECK ((key_version >= 0)),
    CONSTRAINT memory_chunks_user_hash_format CHECK ((user_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY memvault.memory_chunks FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.memory_chunks OWNER TO memvault_owner;

--
-- Name: TABLE memory_chunks; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.memory_chunks IS 'Sealed memory chunks, one tenant per user_hash. Text, meta and an embedding copy are AES-256-GCM sealed in the app tier; embedding is plaintext for ANN search.';

--
-- Name: COLUMN memory_chunks.user_hash; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_chunks.user_hash IS 'HMAC-SHA256 (lowercase hex) of the user id, computed by the app tier.';

--
-- Name: COLUMN memory_chunks.key_version; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_chunks.key_version IS 'Keyring version that sealed the *_cipher columns; 0: the tenant''s own data key (memvault.tenant_keys; its version is in each value''s header).';

--
-- Name: COLUMN memory_chunks.scope_hash; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_chunks.scope_hash IS 'Blind index of the scope: HMAC-SHA256 under the label subkey, bound to the tenant. Equality only.';

--
-- Name: COLUMN memory_chunks.labels_cipher; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_chunks.labels_cipher IS 'The scope and tags (JSON), sealed like text_cipher; null when the memory has neither.';

--
-- Name: COLUMN memory_chunks.expires_at; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_chunks.expires_at IS 'Past this time the memory is never returned; expire_memories deletes it.';

--
-- Name: COLUMN memory_chunks.occurred_at; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_chunks.occurred_at IS 'When the remembered thing happened, as the client says (null: not given); created_at is when memvault stored it.';

--
-- Name: memory_labels; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.memory_labels (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    label_hash bytea NOT NULL,
    memory_id uuid NOT NULL,
    CONSTRAINT memory_labels_label_hash_size CHECK ((octet_length(label_hash) = 32)),
    CONSTRAINT memory_labels_user_hash_format CHECK ((user_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY memvault.memory_labels FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.memory_labels OWNER TO memvault_owner;

--
-- Name: TABLE memory_labels; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.memory_labels IS 'Blind indexes of sealed memories'' labels, one row per label: every scope level and every tag (HMAC-SHA256 under the label subkey, bound to tenant and purpose). Deleted with their memory.';

--
-- Name: memory_term_stats; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.memory_term_stats (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    documents bigint DEFAULT 0 NOT NULL,
    total_length bigint DEFAULT 0 NOT NULL,
    CONSTRAINT memory_term_stats_user_hash_format CHECK ((user_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY memvault.memory_term_stats FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.memory_term_stats OWNER TO memvault_owner;

--
-- Name: TABLE memory_term_stats; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.memory_term_stats IS 'Per tenant: how many memories have a keyword index (length rows in memory_terms) and their total length in terms, for BM25. Kept in step by the worker and by every delete path; memvault.recount_term_stats() recounts.';

--
-- Name: memory_terms; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.memory_terms (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    term_hash bytea NOT NULL,
    memory_id uuid NOT NULL,
    frequency integer NOT NULL,
    memory_length integer NOT NULL,
    term_hashes bytea,
    CONSTRAINT memory_terms_counts CHECK (((frequency >= 0) AND (memory_length >= 0) AND (frequency <= memory_length))),
    CONSTRAINT memory_terms_term_hash_size CHECK ((octet_length(term_hash) = ANY (ARRAY[0, 16]))),
    CONSTRAINT memory_terms_term_hashes_shape CHECK (((term_hashes IS NULL) OR ((term_hash = '\x'::bytea) AND ((octet_length(term_hashes) % 16) = 0)))),
    CONSTRAINT memory_terms_user_hash_size CHECK ((octet_length(user_hash) = 64))
);

ALTER TABLE ONLY memvault.memory_terms FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.memory_terms OWNER TO memvault_owner;

--
-- Name: TABLE memory_terms; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.memory_terms IS 'Blind indexes of sealed memories'' keyword terms: one row per distinct term (HMAC-SHA256 under the term subkey, bound to the tenant, first 16 bytes) with its frequency and the memory''s length in terms, and one length row per memory (empty term_hash, frequency = memory_length, term_hashes listing its terms). Written by the worker with the memory; deleted with it by every path that deletes memories.';

--
-- Name: COLUMN memory_terms.term_hashes; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_terms.term_hashes IS 'On a memory''s length row (empty term_hash) only: its distinct term hashes, 16 bytes each, concatenated, so that its term rows can be deleted through the primary key.';

--
-- Name: monitor_indexes; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_indexes AS
 SELECT (t.relname)::text AS table_name,
    (i.relname)::text AS index_name,
    (am.amname)::text AS method,
    x.indisvalid AS is_valid,
    pg_relation_size((i.oid)::regclass) AS size_bytes,
    s.idx_scan,
    s.idx_tup_read,
    s.idx_tup_fetch,
    pg_get_indexdef(i.oid) AS definition
   FROM (((((pg_index x
     JOIN pg_class i ON ((i.oid = x.indexrelid)))
     JOIN pg_class t ON ((t.oid = x.indrelid)))
     JOIN pg_namespace n ON ((n.oid = t.relnamespace)))
     JOIN pg_am am ON ((am.oid = i.relam)))
     LEFT JOIN pg_stat_user_indexes s ON ((s.indexrelid = i.oid)))
  WHERE (n.nspname = 'memvault'::name);

ALTER TABLE memvault.monitor_indexes OWNER TO memvault_owner;

--
-- Name: VIEW monitor_indexes; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.monitor_indexes IS 'Per index: method, validity, size and how often it was actually scanned.';

--
-- Name: monitor_policies; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_policies AS
 SELECT (pg_policies.tablename)::text AS table_name,
    (pg_policies.policyname)::text AS policy_name,
    pg_policies.permissive,
    pg_policies.roles,
    pg_policies.cmd,
    pg_policies.qual AS using_expression,
    pg_policies.with_check AS check_expression
   FROM pg_policies
  WHERE (pg_policies.schemaname = 'memvault'::name);

ALTER TABLE memvault.monitor_policies OWNER TO memvault_owner;

--
-- Name: VIEW monitor_policies; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.monitor_policies IS 'Row-level security policies on memvault tables.';

--
-- Name: rerank_rollout_events; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.rerank_rollout_events (
    id bigint NOT NULL,
    rollout_id bigint NOT NULL,
    at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    from_state text,
    to_state text NOT NULL,
    step integer NOT NULL,
    share_bp integer NOT NULL,
    reason text NOT NULL,
    evidence jsonb DEFAULT '{}'::jsonb NOT NULL
);

ALTER TABLE memvault.rerank_rollout_events OWNER TO memvault_owner;

--
-- Name: monitor_rerank_events; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_rerank_events AS
 SELECT r.name AS rollout,
    e.id,
    e.at,
    e.actor,
    e.from_state,
    e.to_state,
    e.step,
    e.share_bp,
    e.reason,
    e.evidence
   FROM (memvault.rerank_rollout_events e
     JOIN memvault.rerank_rollouts r ON ((r.id = e.rollout_id)));

ALTER TABLE memvault.monitor_rerank_events OWNER TO memvault_owner;

--
-- Name: rerank_rollout_measurements; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.rerank_rollout_measurements (
    rollout_id bigint NOT NULL,
    window_end timestamp with time zone NOT NULL,
    arm text NOT NULL,
    window_start timestamp with time zone NOT NULL,
    step integer NOT NULL,
    variant text NOT NULL,
    samples integer NOT NULL,
    reranked integer NOT NULL,
    errors integer NOT NULL,
    p95_latency_ms double precision,
    skip_rate double precision,
    error_rate double precision,
    verdict text NOT NULL,
    reasons text[] DEFAULT '{}'::text[] NOT NULL,
    measured_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    tenants integer,
    capped_samples integer,
    CONSTRAINT rerank_rollout_measurements_arm CHECK ((arm = ANY (ARRAY['control'::text, 'treatment'::text]))),
    CONSTRAINT rerank_rollout_measurements_verdict CHECK ((verdict = ANY (ARRAY['ok'::text, 'fail'::text, 'inconclusive'::text])))
);

ALTER TABLE memvault.rerank_rollout_measurements OWNER TO memvault_owner;

--
-- Name: COLUMN rerank_rollout_measurements.capped_samples; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.rerank_rollout_measurements.capped_samples IS 'Samples of the interval left out because their tenant had already given max_tenant_samples.';

--
-- Name: monitor_rerank_measurements; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_rerank_measurements AS
 SELECT r.name AS rollout,
    x.window_start,
    x.window_end,
    x.step,
    x.arm,
    x.variant,
    x.samples,
    x.reranked,
    x.errors,
    x.p95_latency_ms,
    x.skip_rate,
    x.error_rate,
    x.verdict,
    x.reasons
   FROM (memvault.rerank_rollout_measurements x
     JOIN memvault.rerank_rollouts r ON ((r.id = x.rollout_id)));

ALTER TABLE memvault.monitor_rerank_measurements OWNER TO memvault_owner;

--
-- Name: rerank_rollout_steps; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.rerank_rollout_steps (
    rollout_id bigint NOT NULL,
    step integer NOT NULL,
    share_bp integer NOT NULL,
    min_duration_seconds integer NOT NULL,
    min_samples integer NOT NULL,
    CONSTRAINT rerank_rollout_steps_min_duration CHECK ((min_duration_seconds >= 0)),
    CONSTRAINT rerank_rollout_steps_min_samples CHECK ((min_samples >= 0)),
    CONSTRAINT rerank_rollout_steps_share CHECK (((share_bp >= 1) AND (share_bp <= 10000))),
    CONSTRAINT rerank_rollout_steps_step CHECK ((step >= 1))
);

ALTER TABLE memvault.rerank_rollout_steps OWNER TO memvault_owner;

--
-- Name: monitor_rerank_rollouts; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_rerank_rollouts AS
 SELECT r.id,
    r.name,
    r.state,
    r.control_variant,
    r.treatment_variant,
    r.current_step,
    ( SELECT max(s.step) AS max
           FROM memvault.rerank_rollout_steps s
          WHERE (s.rollout_id = r.id)) AS steps,
        CASE
            WHEN (r.state = ANY (ARRAY['running'::text, 'paused'::text])) THEN COALESCE(cs.share_bp, 0)
            WHEN (r.state = 'promoted'::text) THEN 10000
            ELSE 0
        END AS treatment_share_bp,
    r.failures,
    r.failure_limit,
    r.interval_seconds,
    r.min_interval_samples,
    r.step_started_at,
    r.evaluated_until,
        CASE
            WHEN (r.state = ANY (ARRAY['running'::text, 'paused'::text])) THEN (r.evaluated_until + make_interval(secs => (r.interval_seconds)::double precision))
            ELSE NULL::timestamp with time zone
        END AS next_evaluation_at,
    cs.min_duration_seconds AS step_min_duration_seconds,
    cs.min_samples AS step_min_samples,
    ( SELECT x.verdict
           FROM memvault.rerank_rollout_measurements x
          WHERE ((x.rollout_id = r.id) AND (x.arm = 'treatment'::text))
          ORDER BY x.window_end DESC
         LIMIT 1) AS last_treatment_verdict,
    r.created_at,
    r.created_by,
    r.started_at,
    r.finished_at
   FROM (memvault.rerank_rollouts r
     LEFT JOIN memvault.rerank_rollout_steps cs ON (((cs.rollout_id = r.id) AND (cs.step = r.current_step))));

ALTER TABLE memvault.monitor_rerank_rollouts OWNER TO memvault_owner;

--
-- Name: monitor_tables; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_tables AS
 SELECT (c.relname)::text AS table_name,
    c.relrowsecurity AS rls_enabled,
    c.relforcerowsecurity AS rls_forced,
    (( SELECT count(*) AS count
           FROM pg_policy p
          WHERE (p.polrelid = c.oid)))::integer AS policies,
    s.n_live_tup AS estimated_rows,
    pg_total_relation_size((c.oid)::regclass) AS total_bytes,
    s.seq_scan,
    s.idx_scan,
    s.last_autovacuum,
    s.last_autoanalyze,
    (EXISTS ( SELECT 1
           FROM pg_attribute a
          WHERE ((a.attrelid = c.oid) AND (a.attname = 'user_hash'::name) AND (NOT a.attisdropped)))) AS is_tenant_table
   FROM ((pg_class c
     JOIN pg_namespace n ON ((n.oid = c.relnamespace)))
     LEFT JOIN pg_stat_user_tables s ON ((s.relid = c.oid)))
  WHERE ((n.nspname = 'memvault'::name) AND (c.relkind = ANY (ARRAY['r'::"char", 'p'::"char"])));

ALTER TABLE memvault.monitor_tables OWNER TO memvault_owner;

--
-- Name: VIEW monitor_tables; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.monitor_tables IS 'Per table: RLS state, policy count, estimated rows, size and scan counters.';

--
-- Name: rerank_rollout_events_id_seq; Type: SEQUENCE; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.rerank_rollout_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME memvault.rerank_rollout_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: rerank_rollout_guardrails; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.rerank_rollout_guardrails (
    rollout_id bigint NOT NULL,
    metric text NOT NULL,
    max_value double precision,
    max_ratio double precision,
    max_delta double precision,
    CONSTRAINT rerank_rollout_guardrails_max_delta CHECK ((max_delta >= (0)::double precision)),
    CONSTRAINT rerank_rollout_guardrails_max_ratio CHECK ((max_ratio > (0)::double precision)),
    CONSTRAINT rerank_rollout_guardrails_max_value CHECK ((max_value >= (0)::double precision)),
    CONSTRAINT rerank_rollout_guardrails_metric CHECK ((metric = ANY (ARRAY['p95_latency_ms'::text, 'skip_rate'::text, 'error_rate'::text]))),
    CONSTRAINT rerank_rollout_guardrails_some_bound CHECK ((COALESCE(max_value, max_ratio, max_delta) IS NOT NULL))
);

ALTER TABLE memvault.rerank_rollout_guardrails OWNER TO memvault_owner;

--
-- Name: rerank_rollout_samples; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.rerank_rollout_samples (
    rollout_id bigint NOT NULL,
    id bigint NOT NULL,
    arm text NOT NULL,
    variant text NOT NULL,
    requested_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone NOT NULL,
    outcome text NOT NULL,
    latency_ms double precision,
    tenant_key bigint,
    CONSTRAINT rerank_rollout_samples_arm CHECK ((arm = ANY (ARRAY['control'::text, 'treatment'::text])))
);

ALTER TABLE memvault.rerank_rollout_samples OWNER TO memvault_owner;

--
-- Name: COLUMN rerank_rollout_samples.tenant_key; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.rerank_rollout_samples.tenant_key IS 'Pseudonymous per rollout: the first 60 bits of SHA-256(salt || '':tenant:'' || user_hash). Null for samples recorded before it existed.';

--
-- Name: rerank_rollout_samples_id_seq; Type: SEQUENCE; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.rerank_rollout_samples ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME memvault.rerank_rollout_samples_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: rerank_rollouts_id_seq; Type: SEQUENCE; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.rerank_rollouts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME memvault.rerank_rollouts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: rerank_settings; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.rerank_settings (
    singleton boolean DEFAULT true NOT NULL,
    default_variant text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT rerank_settings_singleton CHECK (singleton)
);

ALTER TABLE memvault.rerank_settings OWNER TO memvault_owner;

--
-- Name: TABLE rerank_settings; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.rerank_settings IS 'The default reranker variant (null: the workers'' RERANK_* settings). A promotion sets it.';

--
-- Name: rerank_variants; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.rerank_variants (
    name text NOT NULL,
    model_dir text,
    remote_url text,
    model_sha256 text,
    batch_size integer DEFAULT 32 NOT NULL,
    max_length integer DEFAULT 256 NOT NULL,
    threads integer DEFAULT 2 NOT NULL,
    budget_ms integer DEFAULT 250 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by text DEFAULT SESSION_USER NOT NULL,
    CONSTRAINT rerank_variants_batch_size CHECK (((batch_size >= 1) AND (batch_size <= 1024))),
    CONSTRAINT rerank_variants_budget_ms CHECK (((budget_ms >= 1) AND (budget_ms <= 60000))),
    CONSTRAINT rerank_variants_max_length CHECK (((max_length >= 16) AND (max_length <= 512))),
    CONSTRAINT rerank_variants_model_dir_absolute CHECK (((model_dir ~ '^/'::text) AND (length(model_dir) <= 4096))),
    CONSTRAINT rerank_variants_model_pinned CHECK (((model_dir IS NULL) OR (model_sha256 IS NOT NULL))),
    CONSTRAINT rerank_variants_model_sha256_format CHECK ((model_sha256 ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT rerank_variants_name_format CHECK (((name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'::text) AND (name <> ALL (ARRAY['env'::text, 'settings'::text])))),
    CONSTRAINT rerank_variants_one_source CHECK (((model_dir IS NULL) <> (remote_url IS NULL))),
    CONSTRAINT rerank_variants_remote_url_format CHECK (((remote_url ~ '^https?://[^\s]+$'::text) AND (length(remote_url) <= 2048))),
    CONSTRAINT rerank_variants_threads CHECK (((threads >= 1) AND (threads <= 64)))
);

ALTER TABLE memvault.rerank_variants OWNER TO memvault_owner;

--
-- Name: TABLE rerank_variants; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.rerank_variants IS 'Reranker configurations a rollout can serve. Written only by memvault.create_rerank_variant().';

--
-- Name: seal_backlog; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.seal_backlog AS
 SELECT j.task_identifier,
    (count(*))::integer AS jobs,
    (count(*) FILTER (WHERE (j.attempts >= j.max_attempts)))::integer AS failed,
    (count(*) FILTER (WHERE (j.locked_at IS NOT NULL)))::integer AS running,
    EXTRACT(epoch FROM (now() - min(j.created_at))) AS oldest_age_seconds
   FROM graphile_worker.jobs j
  WHERE (j.task_identifier = ANY (ARRAY['seal_chunk'::text, 'seal_batch'::text, 'reseal_chunks'::text]))
  GROUP BY j.task_identifier;

ALTER TABLE memvault.seal_backlog OWNER TO memvault_owner;

--
-- Name: VIEW seal_backlog; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.seal_backlog IS 'Pending seal and re-seal jobs by task: count, failed, running, age of the oldest.';

--
-- Name: seal_failures; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.seal_failures AS
 SELECT j.id AS job_id,
    t.identifier AS task_identifier,
    (j.payload ->> 'userHash'::text) AS user_hash,
    (j.payload ->> 'id'::text) AS chunk_id,
    j.attempts,
    j.max_attempts,
    j.last_error,
    j.created_at,
    j.updated_at
   FROM (graphile_worker._private_jobs j
     JOIN graphile_worker._private_tasks t ON ((t.id = j.task_id)))
  WHERE ((t.identifier = ANY (ARRAY['seal_chunk'::text, 'seal_batch'::text, 'reseal_chunks'::text])) AND (j.attempts >= j.max_attempts));

ALTER TABLE memvault.seal_failures OWNER TO memvault_owner;

--
-- Name: VIEW seal_failures; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.seal_failures IS 'Seal and re-seal jobs that failed permanently (max attempts), with their last error. Ids only, no content. `memvault ingest retry` reschedules them.';

--
-- Name: search_requests; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.search_requests (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    query_cipher bytea NOT NULL,
    key_version integer NOT NULL,
    candidate_ids uuid[] NOT NULL,
    candidate_distances double precision[] NOT NULL,
    deadline timestamp with time zone NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    skip_reason text,
    ranked_ids uuid[],
    scores real[],
    latency_ms double precision,
    finished_at timestamp with time zone,
    rerank_variant text,
    rollout_id bigint,
    rollout_arm text,
    CONSTRAINT search_requests_candidates CHECK (((cardinality(candidate_ids) = cardinality(candidate_distances)) AND (cardinality(candidate_ids) <= 100))),
    CONSTRAINT search_requests_key_version_range CHECK ((key_version >= 0)),
    CONSTRAINT search_requests_rollout_arm CHECK ((rollout_arm = ANY (ARRAY['control'::text, 'treatment'::text]))),
    CONSTRAINT search_requests_skip_reason CHECK ((skip_reason = ANY (ARRAY['timeout'::text, 'error'::text, 'breaker_open'::text, 'disabled'::text, 'no_model'::text, 'deadline'::text]))),
    CONSTRAINT search_requests_status CHECK ((status = ANY (ARRAY['pending'::text, 'reranked'::text, 'skipped'::text]))),
    CONSTRAINT search_requests_user_hash_format CHECK ((user_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY memvault.search_requests FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.search_requests OWNER TO memvault_owner;

--
-- Name: TABLE search_requests; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.search_requests IS 'Rerank requests: ANN candidates in order, the sealed query, and the reranked order or the skip reason. Deleted after the retention period.';

--
-- Name: COLUMN search_requests.rerank_variant; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.search_requests.rerank_variant IS 'The reranker variant that served the request (env: the worker''s RERANK_* settings).';

--
-- Name: tenant_erasures; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.tenant_erasures (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    erasure_id uuid NOT NULL,
    erased_at timestamp with time zone DEFAULT now() NOT NULL,
    key_ids uuid[] NOT NULL,
    memories_at_erasure bigint DEFAULT 0 NOT NULL,
    purged_memories bigint DEFAULT 0 NOT NULL,
    purged_at timestamp with time zone,
    receipt jsonb,
    CONSTRAINT tenant_erasures_user_hash_length CHECK ((length(user_hash) = 64))
);

ALTER TABLE ONLY memvault.tenant_erasures FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.tenant_erasures OWNER TO memvault_owner;

--
-- Name: TABLE tenant_erasures; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.tenant_erasures IS 'Per tenant: each erasure (its keys destroyed at erased_at), the purge''s progress, and the signed receipt once purged. While a purge is unfinished the tenant sees nothing and cannot write.';

--
-- Name: tenant_keys; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.tenant_keys (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    version integer NOT NULL,
    key_id uuid NOT NULL,
    kek_id text NOT NULL,
    wrapped bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT tenant_keys_kek_id_length CHECK (((length(kek_id) >= 1) AND (length(kek_id) <= 200))),
    CONSTRAINT tenant_keys_user_hash_length CHECK ((length(user_hash) = 64)),
    CONSTRAINT tenant_keys_version_range CHECK (((version >= 0) AND (version <= 1000000))),
    CONSTRAINT tenant_keys_wrapped_length CHECK (((octet_length(wrapped) >= 33) AND (octet_length(wrapped) <= 512)))
);

ALTER TABLE ONLY memvault.tenant_keys FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.tenant_keys OWNER TO memvault_owner;

--
-- Name: TABLE tenant_keys; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.tenant_keys IS 'Per tenant: its data keys, each wrapped under the key-encryption key kek_id names (never stored unwrapped). Version 0 roots the blind-index keys; 1 and up seal. Deleted, all at once, by memvault.erase_tenant().';

--
-- Name: worker_heartbeats; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.worker_heartbeats (
    worker_id text NOT NULL,
    process text NOT NULL,
    last_seen timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE memvault.worker_heartbeats OWNER TO memvault_owner;

--
-- Name: TABLE worker_heartbeats; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.worker_heartbeats IS 'graphile-worker worker ids of running memvault worker processes, with their last heartbeat. No tenant data.';

--
-- Name: chunk_ingest chunk_ingest_embedding_nonzero; Type: CHECK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.chunk_ingest
    ADD CONSTRAINT chunk_ingest_embedding_nonzero CHECK ((public.vector_norm(embedding) > (0)::double precision)) NOT VALID;

--
-- Name: chunk_ingest chunk_ingest_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.chunk_ingest
    ADD CONSTRAINT chunk_ingest_pkey PRIMARY KEY (user_hash, id);

--
-- Name: key_seal_reservations key_seal_reservations_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.key_seal_reservations
    ADD CONSTRAINT key_seal_reservations_pkey PRIMARY KEY (key_version);

--
-- Name: memory_chunks memory_chunks_embedding_nonzero; Type: CHECK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.memory_chunks
    ADD CONSTRAINT memory_chunks_embedding_nonzero CHECK ((public.vector_norm(embedding) > (0)::double precision)) NOT VALID;

--
-- Name: memory_chunks memory_chunks_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.memory_chunks
    ADD CONSTRAINT memory_chunks_pkey PRIMARY KEY (user_hash, id);

--
-- Name: memory_labels memory_labels_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.memory_labels
    ADD CONSTRAINT memory_labels_pkey PRIMARY KEY (user_hash, label_hash, memory_id);

--
-- Name: memory_term_stats memory_term_stats_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.memory_term_stats
    ADD CONSTRAINT memory_term_stats_pkey PRIMARY KEY (user_hash);

--
-- Name: memory_terms memory_terms_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.memory_terms
    ADD CONSTRAINT memory_terms_pkey PRIMARY KEY (user_hash, term_hash, memory_id) INCLUDE (frequency, memory_length);

--
-- Name: rerank_rollout_events rerank_rollout_events_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_events
    ADD CONSTRAINT rerank_rollout_events_pkey PRIMARY KEY (rollout_id, id);

--
-- Name: rerank_rollout_guardrails rerank_rollout_guardrails_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_guardrails
    ADD CONSTRAINT rerank_rollout_guardrails_pkey PRIMARY KEY (rollout_id, metric);

--
-- Name: rerank_rollout_measurements rerank_rollout_measurements_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_measurements
    ADD CONSTRAINT rerank_rollout_measurements_pkey PRIMARY KEY (rollout_id, window_end, arm);

--
-- Name: rerank_rollout_samples rerank_rollout_samples_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_samples
    ADD CONSTRAINT rerank_rollout_samples_pkey PRIMARY KEY (rollout_id, id);

--
-- Name: rerank_rollout_steps rerank_rollout_steps_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_steps
    ADD CONSTRAINT rerank_rollout_steps_pkey PRIMARY KEY (rollout_id, step);

--
-- Name: rerank_rollouts rerank_rollouts_name_key; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollouts
    ADD CONSTRAINT rerank_rollouts_name_key UNIQUE (name);

--
-- Name: rerank_rollouts rerank_rollouts_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollouts
    ADD CONSTRAINT rerank_rollouts_pkey PRIMARY KEY (id);

--
-- Name: rerank_settings rerank_settings_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_settings
    ADD CONSTRAINT rerank_settings_pkey PRIMARY KEY (singleton);

--
-- Name: rerank_variants rerank_variants_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_variants
    ADD CONSTRAINT rerank_variants_pkey PRIMARY KEY (name);

--
-- Name: search_requests search_requests_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.search_requests
    ADD CONSTRAINT search_requests_pkey PRIMARY KEY (user_hash, id);

--
-- Name: tenant_erasures tenant_erasures_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.tenant_erasures
    ADD CONSTRAINT tenant_erasures_pkey PRIMARY KEY (user_hash, erasure_id);

--
-- Name: tenant_keys tenant_keys_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.tenant_keys
    ADD CONSTRAINT tenant_keys_pkey PRIMARY KEY (user_hash, version);

--
-- Name: worker_heartbeats worker_heartbeats_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.worker_heartbeats
    ADD CONSTRAINT worker_heartbeats_pkey PRIMARY KEY (worker_id);

--
-- Name: chunk_ingest_user_hash_created_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX chunk_ingest_user_hash_created_at ON memvault.chunk_ingest USING btree (user_hash, created_at);

--
-- Name: memory_chunks_embedding_hnsw; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_embedding_hnsw ON memvault.memory_chunks USING hnsw (embedding public.vector_cosine_ops) WHERE (user_hash IS NOT NULL);

--
-- Name: memory_chunks_user_hash_created_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_user_hash_created_at ON memvault.memory_chunks USING btree (user_hash, created_at);

--
-- Name: memory_chunks_user_hash_expires_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_user_hash_expires_at ON memvault.memory_chunks USING btree (user_hash, expires_at) WHERE (expires_at IS NOT NULL);

--
-- Name: memory_chunks_user_hash_occurred_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_user_hash_occurred_at ON memvault.memory_chunks USING btree (user_hash, occurred_at) WHERE (occurred_at IS NOT NULL);

--
-- Name: memory_chunks_user_hash_scope_hash; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_user_hash_scope_hash ON memvault.memory_chunks USING btree (user_hash, scope_hash) WHERE (scope_hash IS NOT NULL);

--
-- Name: memory_labels_user_hash_memory_id; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_labels_user_hash_memory_id ON memvault.memory_labels USING btree (user_hash, memory_id);

--
-- Name: rerank_rollout_samples_rollout_id_finished_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX rerank_rollout_samples_rollout_id_finished_at ON memvault.rerank_rollout_samples USING btree (rollout_id, finished_at);

--
-- Name: rerank_rollouts_one_active; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE UNIQUE INDEX rerank_rollouts_one_active ON memvault.rerank_rollouts USING btree ((true)) WHERE (state = ANY (ARRAY['running'::text, 'paused'::text]));

--
-- Name: search_requests_user_hash_created_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX search_requests_user_hash_created_at ON memvault.search_requests USING btree (user_hash, created_at);

--
-- Name: chunk_ingest _050_reject_sealed_ids; Type: TRIGGER; Schema: memvault; Owner: memvault_owner
--

CREATE TRIGGER _050_reject_sealed_ids AFTER INSERT ON memvault.chunk_ingest REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION memvault.tg_chunk_ingest__reject_sealed_ids();

--
-- Name: search_requests _500_record_rollout_sample; Type: TRIGGER; Schema: memvault; Owner: memvault_owner
--

CREATE TRIGGER _500_record_rollout_sample AFTER UPDATE OF status ON memvault.search_requests FOR EACH ROW WHEN (((old.status = 'pending'::text) AND (new.status <> 'pending'::text) AND (new.rollout_id IS NOT NULL) AND (new.rollout_arm IS NOT NULL))) EXECUTE FUNCTION memvault.tg_search_requests__record_rollout_sample();

--
-- Name: search_requests _900_enqueue_rerank; Type: TRIGGER; Schema: memvault; Owner: memvault_owner
--

CREATE TRIGGER _900_enqueue_rerank AFTER INSERT ON memvault.search_requests FOR EACH ROW EXECUTE FUNCTION memvault.tg_search_requests__enqueue();

--
-- Name: chunk_ingest _900_enqueue_seal; Type: TRIGGER; Schema: memvault; Owner: memvault_owner
--

CREATE TRIGGER _900_enqueue_seal AFTER INSERT ON memvault.chunk_ingest REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION memvault.tg_chunk_ingest__enqueue_seal();

--
-- Name: chunk_ingest _900_enqueue_seal_on_update; Type: TRIGGER; Schema: memvault; Owner: memvault_owner
--

CREATE TRIGGER _900_enqueue_seal_on_update AFTER UPDATE OF text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces, occurred_at ON memvault.chunk_ingest FOR EACH ROW EXECUTE FUNCTION memvault.tg_chunk_ingest__enqueue_reseal();

--
-- Name: memory_labels memory_labels_memory_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.memory_labels
    ADD CONSTRAINT memory_labels_memory_fkey FOREIGN KEY (user_hash, memory_id) REFERENCES memvault.memory_chunks(user_hash, id) ON DELETE CASCADE;

--
-- Name: rerank_rollout_events rerank_rollout_events_rollout_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_events
    ADD CONSTRAINT rerank_rollout_events_rollout_fkey FOREIGN KEY (rollout_id) REFERENCES memvault.rerank_rollouts(id);

--
-- Name: rerank_rollout_guardrails rerank_rollout_guardrails_rollout_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_guardrails
    ADD CONSTRAINT rerank_rollout_guardrails_rollout_fkey FOREIGN KEY (rollout_id) REFERENCES memvault.rerank_rollouts(id);

--
-- Name: rerank_rollout_measurements rerank_rollout_measurements_rollout_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_measurements
    ADD CONSTRAINT rerank_rollout_measurements_rollout_fkey FOREIGN KEY (rollout_id) REFERENCES memvault.rerank_rollouts(id);

--
-- Name: rerank_rollout_samples rerank_rollout_samples_rollout_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_samples
    ADD CONSTRAINT rerank_rollout_samples_rollout_fkey FOREIGN KEY (rollout_id) REFERENCES memvault.rerank_rollouts(id);

--
-- Name: rerank_rollout_steps rerank_rollout_steps_rollout_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollout_steps
    ADD CONSTRAINT rerank_rollout_steps_rollout_fkey FOREIGN KEY (rollout_id) REFERENCES memvault.rerank_rollouts(id);

--
-- Name: rerank_rollouts rerank_rollouts_control_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollouts
    ADD CONSTRAINT rerank_rollouts_control_fkey FOREIGN KEY (control_variant) REFERENCES memvault.rerank_variants(name);

--
-- Name: rerank_rollouts rerank_rollouts_treatment_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_rollouts
    ADD CONSTRAINT rerank_rollouts_treatment_fkey FOREIGN KEY (treatment_variant) REFERENCES memvault.rerank_variants(name);

--
-- Name: rerank_settings rerank_settings_default_variant_fkey; Type: FK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.rerank_settings
    ADD CONSTRAINT rerank_settings_default_variant_fkey FOREIGN KEY (default_variant) REFERENCES memvault.rerank_variants(name);

--
-- Name: chunk_ingest; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.chunk_ingest ENABLE ROW LEVEL SECURITY;

--
-- Name: memory_chunks; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.memory_chunks ENABLE ROW LEVEL SECURITY;

--
-- Name: memory_labels; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.memory_labels ENABLE ROW LEVEL SECURITY;

--
-- Name: memory_term_stats; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.memory_term_stats ENABLE ROW LEVEL SECURITY;

--
-- Name: memory_terms; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.memory_terms ENABLE ROW LEVEL SECURITY;

--
-- Name: search_requests; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.search_requests ENABLE ROW LEVEL SECURITY;

--
-- Name: tenant_erasures; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.tenant_erasures ENABLE ROW LEVEL SECURITY;

--
-- Name: chunk_ingest tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.chunk_ingest USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: memory_chunks tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.memory_chunks USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: memory_labels tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.memory_labels USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: memory_term_stats tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.memory_term_stats USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: memory_terms tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.memory_terms USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: search_requests tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.search_requests USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: tenant_erasures tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.tenant_erasures USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: tenant_keys tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.tenant_keys USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: tenant_keys; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.tenant_keys ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA memvault; Type: ACL; Schema: -; Owner: memvault_owner
--

GRANT USAGE ON SCHEMA memvault TO memvault_user;
GRANT USAGE ON SCHEMA memvault TO memvault_worker;
GRANT USAGE ON SCHEMA memvault TO memvault_monitor;
GRANT USAGE ON SCHEMA memvault TO memvault_operator;

--
-- Name: FUNCTION abort_rerank_rollout(p_name text); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.abort_rerank_rollout(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.abort_rerank_rollout(p_name text) TO memvault_operator;

--
-- Name: FUNCTION active_rerank_rollouts(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.active_rerank_rollouts() FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.active_rerank_rollouts() TO memvault_worker;
GRANT ALL ON FUNCTION memvault.active_rerank_rollouts() TO memvault_operator;

--
-- Name: FUNCTION create_rerank_rollout(p_name text, p_control text, p_treatment text, p_steps jsonb, p_guardrails jsonb, p_interval_seconds integer, p_failure_limit integer, p_min_interval_samples integer, p_salt text); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.create_rerank_rollout(p_name text, p_control text, p_treatment text, p_steps jsonb, p_guardrails jsonb, p_interval_seconds integer, p_failure_limit integer, p_min_interval_samples integer, p_salt text) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.create_rerank_rollout(p_name text, p_control text, p_treatment text, p_steps jsonb, p_guardrails jsonb, p_interval_seconds integer, p_failure_limit integer, p_min_interval_samples integer, p_salt text) TO memvault_operator;

--
-- Name: FUNCTION create_rerank_variant(p_name text, p_model_dir text, p_remote_url text, p_model_sha256 text, p_batch_size integer, p_max_length integer, p_threads integer, p_budget_ms integer); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.create_rerank_variant(p_name text, p_model_dir text, p_remote_url text, p_model_sha256 text, p_batch_size integer, p_max_length integer, p_threads integer, p_budget_ms integer) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.create_rerank_variant(p_name text, p_model_dir text, p_remote_url text, p_model_sha256 text, p_batch_size integer, p_max_length integer, p_threads integer, p_budget_ms integer) TO memvault_operator;

--
-- Name: FUNCTION current_user_hash(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.current_user_hash() FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.current_user_hash() TO memvault_user;
GRANT ALL ON FUNCTION memvault.current_user_hash() TO memvault_worker;
GRANT ALL ON FUNCTION memvault.current_user_hash() TO memvault_monitor;

--
-- Name: FUNCTION default_rerank_variant(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.default_rerank_variant() FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.default_rerank_variant() TO memvault_user;

--
-- Name: FUNCTION erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamp with time zone); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamp with time zone) TO memvault_user;
GRANT ALL ON FUNCTION memvault.erase_tenant(erasure uuid, erased_key_ids uuid[], recorded_at timestamp with time zone) TO memvault_worker;

--
-- Name: FUNCTION evaluate_rerank_rollout(p_rollout_id bigint, p_grace interval); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.evaluate_rerank_rollout(p_rollout_id bigint, p_grace interval) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.evaluate_rerank_rollout(p_rollout_id bigint, p_grace interval) TO memvault_worker;
GRANT ALL ON FUNCTION memvault.evaluate_rerank_rollout(p_rollout_id bigint, p_grace interval) TO memvault_operator;

--
-- Name: TABLE rerank_rollouts; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.rerank_rollouts TO memvault_worker;
GRANT SELECT ON TABLE memvault.rerank_rollouts TO memvault_operator;

--
-- Name: FUNCTION lock_rerank_rollout(p_name text, p_from text[]); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.lock_rerank_rollout(p_name text, p_from text[]) FROM PUBLIC;

--
-- Name: FUNCTION memory_filter_predicates(tenant text, first_param integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.memory_filter_predicates(tenant text, first_param integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.memory_filter_predicates(tenant text, first_param integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) TO memvault_user;
GRANT ALL ON FUNCTION memvault.memory_filter_predicates(tenant text, first_param integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) TO memvault_worker;

--
-- Name: FUNCTION pause_rerank_rollout(p_name text); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.pause_rerank_rollout(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.pause_rerank_rollout(p_name text) TO memvault_operator;

--
-- Name: FUNCTION promote_rerank_rollout(p_name text); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.promote_rerank_rollout(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.promote_rerank_rollout(p_name text) TO memvault_operator;

--
-- Name: FUNCTION prune_rerank_samples(p_after interval); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.prune_rerank_samples(p_after interval) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.prune_rerank_samples(p_after interval) TO memvault_worker;
GRANT ALL ON FUNCTION memvault.prune_rerank_samples(p_after interval) TO memvault_operator;

--
-- Name: FUNCTION recount_term_stats(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.recount_term_stats() FROM PUBLIC;

--
-- Name: FUNCTION request_reseal(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.request_reseal() FROM PUBLIC;

--
-- Name: FUNCTION request_term_index(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.request_term_index() FROM PUBLIC;

--
-- Name: FUNCTION rerank_assignment(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.rerank_assignment() FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.rerank_assignment() TO memvault_worker;

--
-- Name: FUNCTION rerank_bucket(salt text, user_hash text); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.rerank_bucket(salt text, user_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.rerank_bucket(salt text, user_hash text) TO memvault_worker;
GRANT ALL ON FUNCTION memvault.rerank_bucket(salt text, user_hash text) TO memvault_operator;
GRANT ALL ON FUNCTION memvault.rerank_bucket(salt text, user_hash text) TO memvault_monitor;

--
-- Name: FUNCTION rerank_rollout_event(r memvault.rerank_rollouts, from_state text, actor text, reason text, evidence jsonb); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.rerank_rollout_event(r memvault.rerank_rollouts, from_state text, actor text, reason text, evidence jsonb) FROM PUBLIC;

--
-- Name: FUNCTION reserve_seals(key_version integer, seals integer); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.reserve_seals(key_version integer, seals integer) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.reserve_seals(key_version integer, seals integer) TO memvault_user;
GRANT ALL ON FUNCTION memvault.reserve_seals(key_version integer, seals integer) TO memvault_worker;

--
-- Name: FUNCTION resume_rerank_rollout(p_name text); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.resume_rerank_rollout(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.resume_rerank_rollout(p_name text) TO memvault_operator;

--
-- Name: FUNCTION schedule_rerank_evaluation(p_run_at timestamp with time zone); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.schedule_rerank_evaluation(p_run_at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION search_chunks(query public.vector, k integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.search_chunks(query public.vector, k integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.search_chunks(query public.vector, k integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) TO memvault_user;
GRANT ALL ON FUNCTION memvault.search_chunks(query public.vector, k integer, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) TO memvault_worker;

--
-- Name: FUNCTION search_keyword(terms bytea[], frequencies integer[], k integer, k1 double precision, b double precision, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.search_keyword(terms bytea[], frequencies integer[], k integer, k1 double precision, b double precision, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.search_keyword(terms bytea[], frequencies integer[], k integer, k1 double precision, b double precision, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) TO memvault_user;
GRANT ALL ON FUNCTION memvault.search_keyword(terms bytea[], frequencies integer[], k integer, k1 double precision, b double precision, filter_scope bytea, filter_scope_level bytea, filter_tags_any bytea[], filter_tags_all bytea[], filter_created_after timestamp with time zone, filter_created_before timestamp with time zone, filter_occurred_after timestamp with time zone, filter_occurred_before timestamp with time zone) TO memvault_worker;

--
-- Name: FUNCTION set_default_rerank_variant(p_name text); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.set_default_rerank_variant(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.set_default_rerank_variant(p_name text) TO memvault_operator;

--
-- Name: FUNCTION start_rerank_rollout(p_name text); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.start_rerank_rollout(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.start_rerank_rollout(p_name text) TO memvault_operator;

--
-- Name: FUNCTION tg_chunk_ingest__enqueue_reseal(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.tg_chunk_ingest__enqueue_reseal() FROM PUBLIC;

--
-- Name: FUNCTION tg_chunk_ingest__enqueue_seal(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.tg_chunk_ingest__enqueue_seal() FROM PUBLIC;

--
-- Name: FUNCTION tg_chunk_ingest__reject_sealed_ids(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.tg_chunk_ingest__reject_sealed_ids() FROM PUBLIC;

--
-- Name: FUNCTION tg_search_requests__enqueue(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.tg_search_requests__enqueue() FROM PUBLIC;

--
-- Name: FUNCTION tg_search_requests__record_rollout_sample(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.tg_search_requests__record_rollout_sample() FROM PUBLIC;

--
-- Name: FUNCTION unpurged_erasures(user_hashes text[], erasure_ids uuid[]); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.unpurged_erasures(user_hashes text[], erasure_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION memvault.unpurged_erasures(user_hashes text[], erasure_ids uuid[]) TO memvault_worker;

--
-- Name: TABLE chunk_ingest; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT DELETE ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(user_hash) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(id),INSERT(id) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(id) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.created_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(created_at) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(created_at) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.text; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(text),UPDATE(text) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(text) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.meta; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(meta),UPDATE(meta) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(meta) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.embedding; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(embedding),UPDATE(embedding) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(embedding) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.attempts; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(attempts),UPDATE(attempts) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(attempts),UPDATE(attempts) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.last_error; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(last_error),UPDATE(last_error) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(last_error),UPDATE(last_error) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.scope_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(scope_hash),INSERT(scope_hash),UPDATE(scope_hash) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(scope_hash) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.scope_path; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(scope_path),INSERT(scope_path),UPDATE(scope_path) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(scope_path) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.tag_hashes; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(tag_hashes),INSERT(tag_hashes),UPDATE(tag_hashes) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(tag_hashes) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.labels_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(labels_cipher),INSERT(labels_cipher),UPDATE(labels_cipher) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(labels_cipher) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.expires_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(expires_at),INSERT(expires_at),UPDATE(expires_at) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(expires_at) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.replaces; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(replaces),INSERT(replaces),UPDATE(replaces) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(replaces) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.occurred_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(occurred_at),INSERT(occurred_at),UPDATE(occurred_at) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(occurred_at) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: TABLE key_seal_reservations; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.key_seal_reservations TO memvault_monitor;
GRANT SELECT ON TABLE memvault.key_seal_reservations TO memvault_worker;

--
-- Name: TABLE memory_chunks; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.memory_chunks TO memvault_user;
GRANT DELETE ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(id) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(id),INSERT(id) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.created_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(created_at) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(created_at),INSERT(created_at) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.key_version; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(key_version) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(key_version),INSERT(key_version),UPDATE(key_version) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.text_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(text_cipher) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(text_cipher),INSERT(text_cipher),UPDATE(text_cipher) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.meta_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(meta_cipher) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(meta_cipher),INSERT(meta_cipher),UPDATE(meta_cipher) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.emb_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(emb_cipher) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(emb_cipher),INSERT(emb_cipher),UPDATE(emb_cipher) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.embedding; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(embedding) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(embedding),INSERT(embedding),UPDATE(embedding) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.scope_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(scope_hash) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(scope_hash),INSERT(scope_hash),UPDATE(scope_hash) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.labels_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(labels_cipher) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(labels_cipher),INSERT(labels_cipher),UPDATE(labels_cipher) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.expires_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(expires_at) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(expires_at),INSERT(expires_at),UPDATE(expires_at) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.updated_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(updated_at) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(updated_at),INSERT(updated_at),UPDATE(updated_at) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.occurred_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(occurred_at) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(occurred_at),INSERT(occurred_at),UPDATE(occurred_at) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: TABLE memory_labels; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.memory_labels TO memvault_worker;

--
-- Name: COLUMN memory_labels.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash) ON TABLE memvault.memory_labels TO memvault_user;
GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.memory_labels TO memvault_worker;

--
-- Name: COLUMN memory_labels.label_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(label_hash) ON TABLE memvault.memory_labels TO memvault_user;
GRANT SELECT(label_hash),INSERT(label_hash) ON TABLE memvault.memory_labels TO memvault_worker;

--
-- Name: COLUMN memory_labels.memory_id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(memory_id) ON TABLE memvault.memory_labels TO memvault_user;
GRANT SELECT(memory_id),INSERT(memory_id) ON TABLE memvault.memory_labels TO memvault_worker;

--
-- Name: TABLE memory_term_stats; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.memory_term_stats TO memvault_user;
GRANT DELETE ON TABLE memvault.memory_term_stats TO memvault_worker;

--
-- Name: COLUMN memory_term_stats.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash) ON TABLE memvault.memory_term_stats TO memvault_user;
GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.memory_term_stats TO memvault_worker;

--
-- Name: COLUMN memory_term_stats.documents; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(documents),UPDATE(documents) ON TABLE memvault.memory_term_stats TO memvault_user;
GRANT SELECT(documents),INSERT(documents),UPDATE(documents) ON TABLE memvault.memory_term_stats TO memvault_worker;

--
-- Name: COLUMN memory_term_stats.total_length; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(total_length),UPDATE(total_length) ON TABLE memvault.memory_term_stats TO memvault_user;
GRANT SELECT(total_length),INSERT(total_length),UPDATE(total_length) ON TABLE memvault.memory_term_stats TO memvault_worker;

--
-- Name: TABLE memory_terms; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.memory_terms TO memvault_worker;
GRANT DELETE ON TABLE memvault.memory_terms TO memvault_user;

--
-- Name: COLUMN memory_terms.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash) ON TABLE memvault.memory_terms TO memvault_user;
GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.memory_terms TO memvault_worker;

--
-- Name: COLUMN memory_terms.term_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(term_hash) ON TABLE memvault.memory_terms TO memvault_user;
GRANT SELECT(term_hash),INSERT(term_hash) ON TABLE memvault.memory_terms TO memvault_worker;

--
-- Name: COLUMN memory_terms.memory_id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(memory_id) ON TABLE memvault.memory_terms TO memvault_user;
GRANT SELECT(memory_id),INSERT(memory_id) ON TABLE memvault.memory_terms TO memvault_worker;

--
-- Name: COLUMN memory_terms.frequency; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(frequency) ON TABLE memvault.memory_terms TO memvault_user;
GRANT SELECT(frequency),INSERT(frequency) ON TABLE memvault.memory_terms TO memvault_worker;

--
-- Name: COLUMN memory_terms.memory_length; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(memory_length) ON TABLE memvault.memory_terms TO memvault_user;
GRANT SELECT(memory_length),INSERT(memory_length) ON TABLE memvault.memory_terms TO memvault_worker;

--
-- Name: COLUMN memory_terms.term_hashes; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(term_hashes),INSERT(term_hashes) ON TABLE memvault.memory_terms TO memvault_worker;
GRANT SELECT(term_hashes) ON TABLE memvault.memory_terms TO memvault_user;

--
-- Name: TABLE monitor_indexes; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_indexes TO memvault_monitor;

--
-- Name: TABLE monitor_policies; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_policies TO memvault_monitor;

--
-- Name: TABLE rerank_rollout_events; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.rerank_rollout_events TO memvault_operator;

--
-- Name: TABLE monitor_rerank_events; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_rerank_events TO memvault_monitor;
GRANT SELECT ON TABLE memvault.monitor_rerank_events TO memvault_operator;

--
-- Name: TABLE rerank_rollout_measurements; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.rerank_rollout_measurements TO memvault_operator;

--
-- Name: TABLE monitor_rerank_measurements; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_rerank_measurements TO memvault_monitor;
GRANT SELECT ON TABLE memvault.monitor_rerank_measurements TO memvault_operator;

--
-- Name: TABLE rerank_rollout_steps; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.rerank_rollout_steps TO memvault_worker;
GRANT SELECT ON TABLE memvault.rerank_rollout_steps TO memvault_operator;

--
-- Name: TABLE monitor_rerank_rollouts; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_rerank_rollouts TO memvault_monitor;
GRANT SELECT ON TABLE memvault.monitor_rerank_rollouts TO memvault_operator;

--
-- Name: TABLE monitor_tables; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_tables TO memvault_monitor;

--
-- Name: TABLE rerank_rollout_guardrails; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.rerank_rollout_guardrails TO memvault_operator;

--
-- Name: TABLE rerank_rollout_samples; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.rerank_rollout_samples TO memvault_operator;

--
-- Name: TABLE rerank_settings; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.rerank_settings TO memvault_worker;
GRANT SELECT ON TABLE memvault.rerank_settings TO memvault_operator;

--
-- Name: TABLE rerank_variants; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.rerank_variants TO memvault_worker;
GRANT SELECT ON TABLE memvault.rerank_variants TO memvault_operator;

--
-- Name: TABLE seal_backlog; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.seal_backlog TO memvault_monitor;
GRANT SELECT ON TABLE memvault.seal_backlog TO memvault_worker;

--
-- Name: TABLE seal_failures; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.seal_failures TO memvault_monitor;
GRANT SELECT ON TABLE memvault.seal_failures TO memvault_worker;

--
-- Name: TABLE search_requests; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.search_requests TO memvault_user;
GRANT DELETE ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(user_hash) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(id),INSERT(id) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(id) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.created_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(created_at) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(created_at) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.query_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(query_cipher) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(query_cipher) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.key_version; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(key_version) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(key_version) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.candidate_ids; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(candidate_ids),INSERT(candidate_ids) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(candidate_ids) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.candidate_distances; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(candidate_distances),INSERT(candidate_distances) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(candidate_distances) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.deadline; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(deadline),INSERT(deadline) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(deadline) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.status; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(status) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(status),UPDATE(status) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.skip_reason; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(skip_reason) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(skip_reason),UPDATE(skip_reason) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.ranked_ids; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(ranked_ids) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(ranked_ids),UPDATE(ranked_ids) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.scores; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(scores) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(scores),UPDATE(scores) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.latency_ms; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(latency_ms) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(latency_ms),UPDATE(latency_ms) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.finished_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(finished_at) ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT(finished_at),UPDATE(finished_at) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.rerank_variant; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(rerank_variant),UPDATE(rerank_variant) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.rollout_id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(rollout_id),UPDATE(rollout_id) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.rollout_arm; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(rollout_arm),UPDATE(rollout_arm) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN tenant_erasures.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash) ON TABLE memvault.tenant_erasures TO memvault_user;
GRANT SELECT(user_hash) ON TABLE memvault.tenant_erasures TO memvault_worker;

--
-- Name: COLUMN tenant_erasures.erasure_id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(erasure_id) ON TABLE memvault.tenant_erasures TO memvault_user;
GRANT SELECT(erasure_id) ON TABLE memvault.tenant_erasures TO memvault_worker;

--
-- Name: COLUMN tenant_erasures.erased_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(erased_at) ON TABLE memvault.tenant_erasures TO memvault_user;
GRANT SELECT(erased_at) ON TABLE memvault.tenant_erasures TO memvault_worker;

--
-- Name: COLUMN tenant_erasures.key_ids; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(key_ids) ON TABLE memvault.tenant_erasures TO memvault_user;
GRANT SELECT(key_ids) ON TABLE memvault.tenant_erasures TO memvault_worker;

--
-- Name: COLUMN tenant_erasures.memories_at_erasure; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(memories_at_erasure) ON TABLE memvault.tenant_erasures TO memvault_user;
GRANT SELECT(memories_at_erasure) ON TABLE memvault.tenant_erasures TO memvault_worker;

--
-- Name: COLUMN tenant_erasures.purged_memories; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(purged_memories) ON TABLE memvault.tenant_erasures TO memvault_user;
GRANT SELECT(purged_memories),UPDATE(purged_memories) ON TABLE memvault.tenant_erasures TO memvault_worker;

--
-- Name: COLUMN tenant_erasures.purged_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(purged_at) ON TABLE memvault.tenant_erasures TO memvault_user;
GRANT SELECT(purged_at),UPDATE(purged_at) ON TABLE memvault.tenant_erasures TO memvault_worker;

--
-- Name: COLUMN tenant_erasures.receipt; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(receipt) ON TABLE memvault.tenant_erasures TO memvault_user;
GRANT SELECT(receipt),UPDATE(receipt) ON TABLE memvault.tenant_erasures TO memvault_worker;

--
-- Name: TABLE tenant_keys; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.tenant_keys TO memvault_worker;

--
-- Name: COLUMN tenant_keys.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.tenant_keys TO memvault_user;
GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.tenant_keys TO memvault_worker;

--
-- Name: COLUMN tenant_keys.version; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(version),INSERT(version) ON TABLE memvault.tenant_keys TO memvault_user;
GRANT SELECT(version),INSERT(version) ON TABLE memvault.tenant_keys TO memvault_worker;

--
-- Name: COLUMN tenant_keys.key_id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(key_id),INSERT(key_id) ON TABLE memvault.tenant_keys TO memvault_user;
GRANT SELECT(key_id),INSERT(key_id) ON TABLE memvault.tenant_keys TO memvault_worker;

--
-- Name: COLUMN tenant_keys.kek_id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(kek_id),INSERT(kek_id) ON TABLE memvault.tenant_keys TO memvault_user;
GRANT SELECT(kek_id),INSERT(kek_id) ON TABLE memvault.tenant_keys TO memvault_worker;

--
-- Name: COLUMN tenant_keys.wrapped; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(wrapped),INSERT(wrapped) ON TABLE memvault.tenant_keys TO memvault_user;
GRANT SELECT(wrapped),INSERT(wrapped) ON TABLE memvault.tenant_keys TO memvault_worker;

--
-- Name: COLUMN tenant_keys.created_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(created_at),INSERT(created_at) ON TABLE memvault.tenant_keys TO memvault_user;
GRANT SELECT(created_at),INSERT(created_at) ON TABLE memvault.tenant_keys TO memvault_worker;

--
-- Name: TABLE worker_heartbeats; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE memvault.worker_heartbeats TO memvault_worker;
GRANT SELECT ON TABLE memvault.worker_heartbeats TO memvault_monitor;

--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: memvault_owner
--

ALTER DEFAULT PRIVILEGES FOR ROLE memvault_owner REVOKE ALL ON FUNCTIONS  FROM PUBLIC;

--
-- PostgreSQL database dump complete
--
