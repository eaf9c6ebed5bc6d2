// reseal_chunks { userHash }: move the tenant's chunks to the primary key version.
import type { Task } from "graphile-worker";
import { tenantPayload } from "../src/worker/payloads.ts";
import { resealTenant } from "../src/worker/resealChunks.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash } = tenantPayload(payload);
    await helpers.withPgClient((client) => resealTenant(ctx, client, userHash, helpers.abortSignal));
  };
