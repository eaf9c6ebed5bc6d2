// Seal jobs: move ingest rows into memory_chunks, one tenant transaction per batch.
// A transaction either commits the sealed rows and the deletion of their ingest rows
// together, or neither: a crash anywhere leaves each row in exactly one of the tables.
// Re-running a job finds nothing left to claim: a no-op.
import type pg from "pg";
import { createSealer } from "../crypto/seal.ts";
import { userHashPrefix } from "../logger.ts";
import { claimIngestRows, type IngestRow } from "../sql/claimIngestRows.ts";
import { claimIngestRowsById } from "../sql/claimIngestRowsById.ts";
import { moveIngestToChunks } from "../sql/moveIngestToChunks.ts";
import { notifyChunksSealed } from "../sql/notifyChunksSealed.ts";
import { recordIngestFailure } from "../sql/recordIngestFailure.ts";
import { jobErrorCode, toJobError } from "./jobError.ts";
import { sealChunks } from "./sealRows.ts";
import type { WorkerContext } from "./workerContext.ts";
import { withTenant } from "../db/withTenant.ts";

type Claim = (client: pg.ClientBase) => Promise<IngestRow[]>;

/** One transaction: claim, seal, move, notify. Returns how many rows it sealed. */
async function sealOnce(ctx: WorkerContext, client: pg.ClientBase, userHash: string, claim: Claim, task: string): Promise<number> {
  let claimed: string[] = [];
  const end = ctx.metrics.sealBatch.startTimer({ task });
  try {
    const moved = await withTenant(client, { userHash }, async (tx) => {
      const rows = await claim(tx);
      claimed = rows.map((r) => r.id);
      if (rows.length === 0) return [];
      const keyring = ctx.keyrings.current();
      await ctx.counter.reserve(keyring.primaryVersion, rows.length * 3); // text, meta, embedding
      const sealer = createSealer(keyring, { counter: ctx.counter });
      const sealed = sealChunks(sealer, userHash, rows);
      const ids = await moveIngestToChunks(tx, userHash, keyring.primaryVersion, sealed, rows);
      await notifyChunksSealed(tx, userHashPrefix(userHash), ids);
      ctx.metrics.seals.inc({ key_version: String(keyring.primaryVersion) }, ids.length * 3);
      return ids;
    });
    end();
    ctx.metrics.chunksSealed.inc(moved.length);
    return moved.length;
  } catch (err) {
    const code = jobErrorCode(err);
    ctx.logger.warn({ task, userHash: userHashPrefix(userHash), rows: claimed.length, code }, "seal failed; the ingest rows stay for a retry");
    if (claimed.length > 0) {
      // Visible to the tenant and to DBAs; the rows themselves were rolled back untouched.
      await withTenant(client, { userHash }, (tx) => recordIngestFailure(tx, claimed, code)).catch(() => {});
    }
    throw toJobError(err);
  }
}

export function sealChunk(ctx: WorkerContext, client: pg.ClientBase, userHash: string, id: string): Promise<number> {
  return sealOnce(ctx, client, userHash, (tx) => claimIngestRowsById(tx, [id]), "seal_chunk");
}

/**
 * Claims batches of the tenant's rows until none are left. When the worker drains it
 * stops between batches and reports `interrupted`: the task hands the rest back to the queue.
 */
export async function sealBatches(ctx: WorkerContext, client: pg.ClientBase, userHash: string): Promise<{ sealed: number; interrupted: boolean }> {
  let sealed = 0;
  for (;;) {
    if (ctx.draining.aborted) return { sealed, interrupted: true };
    const n = await sealOnce(ctx, client, userHash, (tx) => claimIngestRows(tx, ctx.batchSize), "seal_batch");
    sealed += n;
    if (n === 0) return { sealed, interrupted: false };
  }
}
