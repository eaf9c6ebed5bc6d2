import type pg from "pg";

export interface RolloutRow {
  id: string;
  name: string;
  state: string;
  control_variant: string;
  treatment_variant: string;
  current_step: number;
  steps: number;
  treatment_share_bp: number;
  failures: number;
  failure_limit: number;
  interval_seconds: number;
  min_interval_samples: number;
  step_started_at: Date | null;
  evaluated_until: Date | null;
  next_evaluation_at: Date | null;
  step_min_duration_seconds: number | null;
  step_min_samples: number | null;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface MeasurementRow {
  window_start: Date;
  window_end: Date;
  step: number;
  arm: "control" | "treatment";
  variant: string;
  samples: number;
  p95_latency_ms: number | null;
  skip_rate: number | null;
  error_rate: number | null;
  verdict: string;
  reasons: string[];
}

export interface EventRow {
  at: Date;
  actor: string;
  from_state: string | null;
  to_state: string;
  step: number;
  share_bp: number;
  reason: string;
}

export interface RolloutStatus {
  rollout: RolloutRow;
  steps: { step: number; share_bp: number; min_duration_seconds: number; min_samples: number }[];
  guardrails: { metric: string; max_value: number | null; max_ratio: number | null; max_delta: number | null }[];
  /** The latest intervals, newest first (two rows each). */
  measurements: MeasurementRow[];
  /** Samples per arm summed over the current step. */
  stepSamples: { control: number; treatment: number };
  events: EventRow[];
}

/** The named rollout, or without a name the active one, else the latest. */
export async function selectRolloutStatus(client: pg.ClientBase, name: string | undefined, intervals = 3): Promise<RolloutStatus | undefined> {
  const { rows } = await client.query<RolloutRow>(
    `select id::text as id, name, state, control_variant, treatment_variant, current_step, steps, treatment_share_bp, failures, failure_limit,
            interval_seconds, min_interval_samples, step_started_at, evaluated_until, next_evaluation_at,
            step_min_duration_seconds, step_min_samples, started_at, finished_at
     from memvault.monitor_rerank_rollouts
     where $1::text is null or name = $1::text
     order by state in ('running', 'paused') desc, id desc
     limit 1`,
    [name ?? null],
  );
  const rollout = rows[0];
  if (!rollout) return undefined;
  // One client: one query at a time.
  const [steps, guardrails, measurements, totals, events] = [
    await client.query("select step, share_bp, min_duration_seconds, min_samples from memvault.rerank_rollout_steps where rollout_id = $1::bigint order by step", [rollout.id]),
    await client.query("select metric, max_value, max_ratio, max_delta from memvault.rerank_rollout_guardrails where rollout_id = $1::bigint order by metric", [rollout.id]),
    await client.query<MeasurementRow>(
      `select window_start, window_end, step, arm, variant, samples, p95_latency_ms, skip_rate, error_rate, verdict, reasons
       from memvault.rerank_rollout_measurements
       where rollout_id = $1::bigint and window_end in (
         select distinct window_end from memvault.rerank_rollout_measurements where rollout_id = $1::bigint order by window_end desc limit $2::integer)
       order by window_end desc, arm`,
      [rollout.id, intervals],
    ),
    await client.query<{ arm: "control" | "treatment"; n: string }>(
      "select arm, sum(samples)::text as n from memvault.rerank_rollout_measurements where rollout_id = $1::bigint and step = $2::integer group by arm",
      [rollout.id, rollout.current_step],
    ),
    await client.query<EventRow>("select at, actor, from_state, to_state, step, share_bp, reason from memvault.rerank_rollout_events where rollout_id = $1::bigint order by id", [rollout.id]),
  ];
  const stepSamples = { control: 0, treatment: 0 };
  for (const t of totals.rows) stepSamples[t.arm] = Number(t.n);
  return { rollout, steps: steps.rows, guardrails: guardrails.rows, measurements: measurements.rows, stepSamples, events: events.rows };
}
