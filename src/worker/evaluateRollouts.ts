// Evaluates every active rollout (memvault.evaluate_rerank_rollout decides, under the
// rollout's row lock) and reports each decision in the logs and metrics. Returns when the
// next evaluation is due, so that the task can schedule itself.
import type pg from "pg";
import { evaluateRerankRollout, type RolloutEvaluation } from "../sql/evaluateRerankRollout.ts";
import { pruneRerankSamples } from "../sql/pruneRerankSamples.ts";
import { selectActiveRollouts } from "../sql/selectActiveRollouts.ts";
import type { WorkerContext } from "./workerContext.ts";

/** The numbers of an evaluation, for a log line: counts and rates, never tenant data. */
function numbers(e: RolloutEvaluation) {
  const ms = (e.evidence?.measurements ?? []) as { arm: string; samples: number; p95_latency_ms: number | null; skip_rate: number | null; error_rate: number | null; verdict: string; reasons: string[] }[];
  return Object.fromEntries(ms.map((m) => [m.arm, { samples: m.samples, p95LatencyMs: m.p95_latency_ms, skipRate: m.skip_rate, errorRate: m.error_rate, verdict: m.verdict, reasons: m.reasons }]));
}

export async function evaluateRollouts(ctx: Pick<WorkerContext, "logger" | "metrics">, client: pg.ClientBase): Promise<{ nextDueAt?: Date }> {
  let nextDueAt: Date | undefined;
  for (const id of await selectActiveRollouts(client)) {
    const e = await evaluateRerankRollout(client, id);
    if (e.next_due_at) {
      const due = new Date(e.next_due_at);
      if (!nextDueAt || due < nextDueAt) nextDueAt = due;
    }
    // Every decision's series exists from the rollout's first evaluation, at 0: an alert on
    // increase() cannot see a counter that is born at 1.
    for (const d of ["fail", "advance", "promote", "rollback"] as const) ctx.metrics.rolloutDecisions.inc({ rollout: e.name ?? id, decision: d }, 0);
    if (e.decision === "not_due" || e.decision === "inactive") continue;
    ctx.metrics.rolloutDecisions.inc({ rollout: e.name ?? id, decision: e.decision });
    const fields = { rollout: e.name, decision: e.decision, state: e.state, step: e.step, failures: e.failures, arms: numbers(e) };
    if (e.decision === "rollback") ctx.logger.error(fields, "rollout rolled back: the treatment failed its guardrails; every tenant is on the control");
    else if (e.decision === "fail") ctx.logger.warn(fields, "rollout guardrail failed");
    else if (e.decision === "advance" || e.decision === "promote") ctx.logger.info(fields, e.decision === "promote" ? "rollout promoted" : "rollout advanced a step");
    else ctx.logger.debug(fields, "rollout evaluated");
  }
  await pruneRerankSamples(client);
  return nextDueAt ? { nextDueAt } : {};
}
