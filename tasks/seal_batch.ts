// seal_batch { userHash }: seal the tenant's ingest rows, a batch per transaction (bulk inserts).
import type { Task } from "graphile-worker";
import { tenantPayload } from "../src/worker/payloads.ts";
import { sealBatches } from "../src/worker/sealIngest.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash } = tenantPayload(payload);
    await helpers.withPgClient((client) => sealBatches(ctx, client, userHash, helpers.abortSignal));
  };
