// Re-sealing onto the tenant's newest data key: its chunks still sealed under a keyring
// version (from before per-tenant keys), or under an older key of its own (after `memvault
// tenant rotate-key`), are opened and sealed again under its newest key, a batch per
// transaction; then its older sealing keys are deleted. Resumable and idempotent: a row on
// the newest key is never claimed again. A KEK rotation touches no row.
import type pg from "pg";
import { claimChunksToReseal, type ChunkToReseal } from "../sql/claimChunksToReseal.ts";
import { updateResealedChunks } from "../sql/updateResealedChunks.ts";
import { deleteRetiredTenantKeys } from "../sql/deleteRetiredTenantKeys.ts";
import { TENANT_KEY_VERSION } from "../sql/moveIngestToChunks.ts";
import { toJobError } from "./jobError.ts";
import { chunkContext, type ChunkField } from "../crypto/sealContexts.ts";
import type { WorkerContext } from "./workerContext.ts";
import { withTenant } from "../db/withTenant.ts";

const FIELDS: [Exclude<ChunkField, "labels">, "text_cipher" | "meta_cipher" | "emb_cipher"][] = [
  ["text", "text_cipher"],
  ["meta", "meta_cipher"],
  ["embedding", "emb_cipher"],
];

/** Like sealBatches: stops between batches when the worker drains, reporting `interrupted`. */
export async function resealTenant(ctx: WorkerContext, client: pg.ClientBase, userHash: string): Promise<{ resealed: number; interrupted: boolean }> {
  let total = 0;
  try {
    for (;;) {
      if (ctx.draining.aborted) return { resealed: total, interrupted: true };
      const end = ctx.metrics.sealBatch.startTimer({ task: "reseal_chunks" });
      const n = await withTenant(client, { userHash }, async (tx) => {
        const { sealVersion } = await ctx.tenantKeys.ensure(tx, userHash);
        const rows = await claimChunksToReseal(tx, userHash, sealVersion!, ctx.batchSize);
        if (rows.length === 0) {
          // All on the newest key: the older sealing keys (a tenant key rotation's) go.
          await deleteRetiredTenantKeys(tx, userHash, sealVersion!);
          return 0;
        }
        const seals = rows.length * 3 + rows.filter((r) => r.labels_cipher).length;
        const sealer = ctx.tenantKeys.sealer(userHash);
        const sealed = { ids: [] as string[], textCiphers: [] as Buffer[], metaCiphers: [] as Buffer[], embCiphers: [] as Buffer[], labelsCiphers: [] as (Buffer | null)[] };
        const out = { text: sealed.textCiphers, meta: sealed.metaCiphers, embedding: sealed.embCiphers, labels: sealed.labelsCiphers };
        const reseal = (row: ChunkToReseal, field: ChunkField, blob: Buffer) => {
          const context = chunkContext(userHash, row.id, field);
          const plain = sealer.openSealed(blob, context);
          const again = sealer.seal(plain, context);
          plain.fill(0);
          return again;
        };
        for (const row of rows) {
          sealed.ids.push(row.id);
          for (const [field, column] of FIELDS) out[field].push(reseal(row, field, row[column]));
          out.labels.push(row.labels_cipher ? reseal(row, "labels", row.labels_cipher) : null);
        }
        ctx.metrics.seals.inc({ key_version: String(TENANT_KEY_VERSION) }, seals);
        return updateResealedChunks(tx, userHash, TENANT_KEY_VERSION, sealed);
      });
      end();
      ctx.metrics.memoriesResealed.inc(n);
      total += n;
      if (n === 0) return { resealed: total, interrupted: false };
    }
  } catch (err) {
    throw toJobError(err);
  }
}
