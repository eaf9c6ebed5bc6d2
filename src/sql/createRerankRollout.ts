import type pg from "pg";

export interface RolloutStepSpec {
  share_bp: number;
  min_duration_seconds: number;
  min_samples: number;
}

export interface GuardrailSpec {
  metric: "p95_latency_ms" | "skip_rate" | "error_rate";
  max_value?: number;
  max_ratio?: number;
  max_delta?: number;
}

export interface RolloutSpec {
  name: string;
  control: string;
  treatment: string;
  steps: RolloutStepSpec[];
  guardrails: GuardrailSpec[];
  intervalSeconds: number;
  failureLimit: number;
  minIntervalSamples: number;
  salt?: string;
}

/** Creates a pending rollout; returns its id (bigint, as text). */
export async function createRerankRollout(client: pg.ClientBase, r: RolloutSpec): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    "select memvault.create_rerank_rollout($1::text, $2::text, $3::text, $4::jsonb, $5::jsonb, $6::integer, $7::integer, $8::integer, $9::text)::text as id",
    [r.name, r.control, r.treatment, JSON.stringify(r.steps), JSON.stringify(r.guardrails), r.intervalSeconds, r.failureLimit, r.minIntervalSamples, r.salt ?? null],
  );
  return rows[0]!.id;
}
