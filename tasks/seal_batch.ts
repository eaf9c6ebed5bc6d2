// seal_batch { userHash }: seal the tenant's ingest rows, a batch per transaction (bulk inserts).
import type { Task } from "graphile-worker";
import { tenantPayload } from "../src/worker/payloads.ts";
import { sealBatches } from "../src/worker/sealIngest.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash } = tenantPayload(payload);
    const { interrupted } = await helpers.withPgClient((client) => sealBatches(ctx, client, userHash));
    // Draining: hand the rest back to the queue under the same key (a new job, since this
    // one is still locked) instead of failing and waiting out a retry backoff.
    if (interrupted) await helpers.addJob("seal_batch", { userHash }, { jobKey: helpers.job.key ?? undefined });
  };
