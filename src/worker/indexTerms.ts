// Writing the keyword terms of memories sealed before keyword search existed: their text is
// opened here (the app tier), analyzed and hashed as the seal job does, a batch per tenant
// transaction. Resumable and idempotent: a memory with terms is never picked again.
import type pg from "pg";
import { chunkContext } from "../crypto/sealContexts.ts";
import { withTenant } from "../db/withTenant.ts";
import { replaceMemoryTerms } from "../sql/replaceMemoryTerms.ts";
import { selectUnindexedMemories } from "../sql/selectUnindexedMemories.ts";
import { toJobError } from "./jobError.ts";
import { memoryTerms } from "./sealRows.ts";
import type { WorkerContext } from "./workerContext.ts";

const FIRST_ID = "00000000-0000-0000-0000-000000000000";

/** Like resealTenant: stops between batches when the worker drains, reporting `interrupted`. */
export async function indexTenantTerms(ctx: WorkerContext, client: pg.ClientBase, userHash: string): Promise<{ indexed: number; interrupted: boolean }> {
  if (!ctx.keywordIndex) return { indexed: 0, interrupted: false };
  let indexed = 0;
  let after = FIRST_ID;
  try {
    for (;;) {
      if (ctx.draining.aborted) return { indexed, interrupted: true };
      const batch = await withTenant(client, { userHash }, async (tx) => {
        const rows = await selectUnindexedMemories(tx, userHash, after, ctx.batchSize);
        if (rows.length === 0) return [];
        const keys = await ctx.tenantKeys.prepare(tx, userHash);
        const sealer = ctx.tenantKeys.sealer(userHash);
        const texts = rows.map((r) => ({ id: r.id, text: sealer.openSealed(r.text_cipher, chunkContext(userHash, r.id, "text")).toString("utf8") }));
        await replaceMemoryTerms(tx, userHash, [], memoryTerms(keys.termKey, userHash, texts));
        return rows.map((r) => r.id);
      });
      if (batch.length === 0) return { indexed, interrupted: false };
      indexed += batch.length;
      after = batch.at(-1)!;
    }
  } catch (err) {
    throw toJobError(err);
  }
}
