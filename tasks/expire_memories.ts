// expire_memories { userHash }: delete the tenant's expired memories, then come back at
// its next expiry (scheduled in the same transaction as the last deletion). Expired
// memories are already hidden from every read; this removes them from the database.
import type { Task } from "graphile-worker";
import { tenantPayload } from "../src/worker/payloads.ts";
import { expireMemories } from "../src/worker/expireMemories.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash } = tenantPayload(payload);
    await helpers.withPgClient((client) => expireMemories(ctx, client, userHash));
  };
