// reseal_chunks { userHash }: move the tenant's chunks to the primary key version.
import type { Task } from "graphile-worker";
import { tenantPayload } from "../src/worker/payloads.ts";
import { resealTenant } from "../src/worker/resealChunks.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash } = tenantPayload(payload);
    const { interrupted } = await helpers.withPgClient((client) => resealTenant(ctx, client, userHash));
    // Draining: hand the rest back to the queue under the same key (a new job, since this
    // one is still locked) instead of failing and waiting out a retry backoff.
    if (interrupted) await helpers.addJob("reseal_chunks", { userHash }, { jobKey: helpers.job.key ?? undefined });
  };
