// index_terms { userHash }: write the keyword terms of the tenant's memories that have none.
import type { Task } from "graphile-worker";
import { tenantPayload } from "../src/worker/payloads.ts";
import { indexTenantTerms } from "../src/worker/indexTerms.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash } = tenantPayload(payload);
    const { interrupted } = await helpers.withPgClient((client) => indexTenantTerms(ctx, client, userHash));
    // Draining: hand the rest back to the queue under the same key (as reseal_chunks does).
    if (interrupted) await helpers.addJob("index_terms", { userHash }, { jobKey: helpers.job.key ?? undefined });
  };
