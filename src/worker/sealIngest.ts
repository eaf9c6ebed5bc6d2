// Seal jobs: move ingest rows into memory_chunks, one tenant transaction per batch.
// A transaction either commits the sealed rows and the deletion of their ingest rows
// together, or neither: a crash anywhere leaves each row in exactly one of the tables.
// Re-running a job finds nothing left to claim: a no-op.
import type pg from "pg";
import { TENANT_KEY_VERSION } from "../sql/moveIngestToChunks.ts";
import { userHashPrefix } from "../logger.ts";
import { claimIngestRows, type IngestRow } from "../sql/claimIngestRows.ts";
import { claimIngestRowsById } from "../sql/claimIngestRowsById.ts";
import { moveIngestToChunks } from "../sql/moveIngestToChunks.ts";
import { lockTenantWrites } from "../sql/lockTenantWrites.ts";
import { notifyChunksSealed } from "../sql/notifyChunksSealed.ts";
import { recordIngestFailure } from "../sql/recordIngestFailure.ts";
import { jobErrorCode, toJobError } from "./jobError.ts";
import { memoryTerms, sealChunks } from "./sealRows.ts";
import { replaceMemoryTerms } from "../sql/replaceMemoryTerms.ts";
import { vectorBinary } from "../embed/embeddingBytes.ts";
import { scheduleMemoryExpiry } from "../sql/scheduleMemoryExpiry.ts";
import type { WorkerContext } from "./workerContext.ts";
import { withTenant } from "../db/withTenant.ts";

type Claim = (client: pg.ClientBase) => Promise<IngestRow[]>;

/** How long one seal transaction may spend embedding its text-only rows. */
const EMBED_BUDGET_MS = 120_000;

/** Failures of the embedder itself, not of one text: retrying texts one by one cannot help. */
const EMBEDDER_DOWN = new Set(["EMBEDDER_UNAVAILABLE", "EMBEDDER_BAD_MODEL", "EMBED_TIMEOUT"]);

type EmbeddedRows = { ready: (IngestRow & { embedding: Buffer })[]; failed: { id: string; code: string }[] };

/**
 * The rows with an embedding each: text-only rows are embedded here, in the seal job's
 * transaction (their plaintext is in chunk_ingest and nowhere else). Without an embedder
 * this throws EMBEDDER_UNAVAILABLE, which the rows record: they wait, nothing is lost. When a
 * batch fails for another reason, one text may be what the embedder refuses: each is tried
 * alone, the others go on to be sealed, and the ones that fail alone come back in `failed`
 * (they wait with their code, claimed after every fresh row: claimIngestRows orders by
 * attempts). If every one fails alone, it was the embedder after all: the error is thrown.
 */
async function withEmbeddings(ctx: WorkerContext, rows: IngestRow[]): Promise<EmbeddedRows> {
  const textOnly = rows.filter((r) => r.embedding === null);
  if (textOnly.length === 0) return { ready: rows as (IngestRow & { embedding: Buffer })[], failed: [] };
  const byId = new Map<string, Buffer>();
  const failed: { id: string; code: string }[] = [];
  try {
    const vectors = await ctx.embedder.embed(textOnly.map((r) => r.text), EMBED_BUDGET_MS);
    textOnly.forEach((r, i) => byId.set(r.id, vectorBinary(vectors[i]!)));
  } catch (err) {
    if (textOnly.length === 1 || EMBEDDER_DOWN.has(jobErrorCode(err))) throw err;
    for (const r of textOnly) {
      try {
        byId.set(r.id, vectorBinary((await ctx.embedder.embed([r.text], EMBED_BUDGET_MS))[0]!));
      } catch (alone) {
        failed.push({ id: r.id, code: jobErrorCode(alone) });
      }
    }
    if (failed.length === textOnly.length) throw err;
  }
  const ready = rows.filter((r) => r.embedding !== null || byId.has(r.id)).map((r) => ({ ...r, embedding: r.embedding ?? byId.get(r.id)! }));
  return { ready, failed };
}

/** One transaction: claim, seal, move, notify. Returns how many rows it sealed. */
async function sealOnce(ctx: WorkerContext, client: pg.ClientBase, userHash: string, claim: Claim, task: string): Promise<number> {
  let claimed: string[] = [];
  const end = ctx.metrics.sealBatch.startTimer({ task });
  try {
    const moved = await withTenant(client, { userHash }, async (tx) => {
      // Shared with the tenant's other single-memory writers; a forgetMatching or forgetAll
      // in progress (exclusive) is waited for, and waits for this.
      await lockTenantWrites(tx, userHash, "shared");
      const rows = await claim(tx);
      claimed = rows.map((r) => r.id);
      if (rows.length === 0) return [];
      const { ready: plain, failed } = await withEmbeddings(ctx, rows);
      for (const code of new Set(failed.map((f) => f.code))) {
        // Parked with its code, in this transaction: the tenant and DBAs see why it waits.
        await recordIngestFailure(tx, failed.filter((f) => f.code === code).map((f) => f.id), code);
        ctx.logger.warn({ task, userHash: userHashPrefix(userHash), rows: failed.length, code }, "embedding failed for some rows alone; the rest of the batch is sealed, they wait");
      }
      if (plain.length === 0) return [];
      // Under the tenant's own data key, created with its first memory.
      const keys = await ctx.tenantKeys.ensure(tx, userHash);
      const seals = rows.length * 3 + rows.filter((r) => r.labels_cipher).length; // text, meta, embedding (, labels)
      const sealed = sealChunks(ctx.tenantKeys.sealer(userHash), userHash, plain);
      const ids = await moveIngestToChunks(tx, userHash, TENANT_KEY_VERSION, sealed, plain);
      const moved = new Set(ids);
      await replaceMemoryTerms(tx, userHash, ids, ctx.keywordIndex ? memoryTerms(keys.termKey, userHash, plain.filter((r) => moved.has(r.id))) : null);
      if (plain.some((r) => r.expires_at)) await scheduleMemoryExpiry(tx, userHash);
      await notifyChunksSealed(tx, userHashPrefix(userHash), ids);
      ctx.metrics.seals.inc({ key_version: String(TENANT_KEY_VERSION) }, seals);
      return ids;
    });
    end();
    ctx.metrics.memoriesStored.inc(moved.length);
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
    // Rows that came with an embedding first (cheap, large batches), then text-only rows
    // in batches small enough to embed inside one transaction.
    let n = await sealOnce(ctx, client, userHash, (tx) => claimIngestRows(tx, ctx.batchSize), "seal_batch");
    if (n === 0) n = await sealOnce(ctx, client, userHash, (tx) => claimIngestRows(tx, ctx.embedBatchSize, true), "seal_batch");
    sealed += n;
    if (n === 0) return { sealed, interrupted: false };
  }
}
