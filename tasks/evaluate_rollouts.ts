// evaluate_rollouts {}: measure and decide every active reranker rollout, then come back
// when the next interval ends. One job key chains it; graphile-worker cron adds it every
// minute too (preserving a pending run), so a lost chain is picked up again.
import type { Task } from "graphile-worker";
import { evaluateRollouts } from "../src/worker/evaluateRollouts.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

// The same key as memvault.schedule_rerank_evaluation() and the cron item in runWorker.
const JOB_KEY = "evaluate_rollouts";

export default (ctx: WorkerContext): Task =>
  async (_payload, helpers) => {
    const { nextDueAt } = await helpers.withPgClient((client) => evaluateRollouts(ctx, client));
    if (nextDueAt) {
      await helpers.addJob("evaluate_rollouts", {}, { runAt: nextDueAt, jobKey: JOB_KEY, jobKeyMode: "replace", maxAttempts: 5 });
    }
  };
