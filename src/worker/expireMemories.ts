// Deleting expired memories, a batch per transaction (a large expiry never holds one long
// transaction); the last transaction reschedules the job for the tenant's next expiry.
import type pg from "pg";
import { withTenant } from "../db/withTenant.ts";
import { userHashPrefix } from "../logger.ts";
import { deleteExpiredMemories } from "../sql/deleteExpiredMemories.ts";
import { scheduleMemoryExpiry } from "../sql/scheduleMemoryExpiry.ts";
import { toJobError } from "./jobError.ts";
import type { WorkerContext } from "./workerContext.ts";

export async function expireMemories(ctx: WorkerContext, client: pg.ClientBase, userHash: string): Promise<number> {
  let deleted = 0;
  try {
    for (;;) {
      const n = await withTenant(client, { userHash }, async (tx) => {
        const batch = await deleteExpiredMemories(tx, userHash, ctx.batchSize);
        // The last batch, or a drain: the job comes back for what is left (at once, if that is expired).
        if (batch < ctx.batchSize || ctx.draining.aborted) await scheduleMemoryExpiry(tx, userHash);
        return batch;
      });
      deleted += n;
      if (n < ctx.batchSize || ctx.draining.aborted) break;
    }
  } catch (err) {
    throw toJobError(err);
  }
  ctx.metrics.memoriesExpired.inc(deleted);
  ctx.logger.info({ task: "expire_memories", userHash: userHashPrefix(userHash), deleted }, "expired memories deleted");
  return deleted;
}
