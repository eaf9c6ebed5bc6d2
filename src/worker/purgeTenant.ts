// The purge_tenant job: after an erasure destroyed a tenant's keys, delete what they sealed
// (and what was never sealed: terms, labels, the plaintext search vectors) in batches, each
// its own transaction, resting between them in proportion to how long each took
// (PURGE_DUTY_PERCENT), so other tenants' searches keep their pace.
// Resumable (a batch deletes whatever is left) and idempotent (a purged erasure is done).
// Last, the signed receipt is stored, and the tenant may write again.
import type pg from "pg";
import { signReceipt, RECEIPT_TYPE, type ErasureReceiptBody } from "../crypto/erasureReceipt.ts";
import { listBackups } from "../db/backupDatabase.ts";
import { withTenant } from "../db/withTenant.ts";
import { userHashPrefix } from "../logger.ts";
import { purgeTenantLeftovers } from "../sql/purgeTenantLeftovers.ts";
import { purgeTenantMemories } from "../sql/purgeTenantMemories.ts";
import { purgeTenantTerms } from "../sql/purgeTenantTerms.ts";
import { recordPurgeProgress } from "../sql/recordPurgeProgress.ts";
import { selectTenantErasure, type TenantErasureRow } from "../sql/selectTenantErasure.ts";
import { toJobError } from "./jobError.ts";
import type { WorkerContext } from "./workerContext.ts";

/** Keyword-index rows per transaction (about 30 per memory). */
const TERM_BATCH = 20_000;
const BACKUPS_STATEMENT =
  "Every backup, replica and WAL archive of the database taken before erasedAt holds this tenant's rows sealed under the keys destroyed here, which no memvault process will unwrap again (the erasure ledger refuses them); the search vectors in those backups are plaintext, and a restore of one is purged of this tenant before it is served.";

/** Runs one transaction, then rests so that deleting takes dutyPercent of the time. */
async function paced<T>(dutyPercent: number, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  const rest = (performance.now() - t0) * (100 / dutyPercent - 1);
  if (rest >= 1) await new Promise((r) => setTimeout(r, rest));
  return out;
}

export interface PurgeOptions {
  /** Memories deleted per transaction. */
  batch: number;
  /** The share of its time the purge spends deleting (1..100): it rests in proportion after each transaction. */
  dutyPercent: number;
  /** Where `memvault deploy` keeps backups, and the database's name: the receipt lists those taken before the erasure. */
  backups?: { dir: string; database: string };
}

function receiptFor(ctx: WorkerContext, userHash: string, erasureId: string, e: TenantErasureRow, purged: number, purgedAt: Date, o: PurgeOptions) {
  const before = o.backups ? listBackups(o.backups.dir, o.backups.database).filter((b) => new Date(b.createdAt) < e.erasedAt) : [];
  const body: ErasureReceiptBody & { backupsBefore: { file: string; createdAt: string }[] } = {
    type: RECEIPT_TYPE,
    userHash,
    erasureId,
    erasedAt: e.erasedAt.toISOString(),
    purgedAt: purgedAt.toISOString(),
    keysDestroyed: e.keyIds,
    memoriesAtErasure: e.memoriesAtErasure,
    memoriesPurged: purged,
    backups: BACKUPS_STATEMENT,
    backupsBefore: before.map((b) => ({ file: b.file, createdAt: b.createdAt })),
    ledger: ctx.tenantKeys.ledger.where,
  };
  return signReceipt(body, ctx.keyrings.current().receiptKey);
}

/** Purges one erasure; `interrupted` when the worker began draining between batches. */
export async function purgeTenant(ctx: WorkerContext, client: pg.ClientBase, userHash: string, erasureId: string, o: PurgeOptions): Promise<{ purged: number; interrupted: boolean }> {
  const log = ctx.logger.child({ task: "purge_tenant", userHash: userHashPrefix(userHash), erasureId });
  try {
    const erasure = await withTenant(client, { userHash }, (tx) => selectTenantErasure(tx, userHash, erasureId));
    if (!erasure || erasure.purgedAt) return { purged: 0, interrupted: false };
    while ((await paced(o.dutyPercent, () => withTenant(client, { userHash }, (tx) => purgeTenantTerms(tx, userHash, TERM_BATCH)))) > 0) {
      if (ctx.draining.aborted) return { purged: 0, interrupted: true };
    }
    let purged = erasure.purgedMemories;
    for (;;) {
      if (ctx.draining.aborted) return { purged, interrupted: true };
      const n = await paced(o.dutyPercent, () =>
        withTenant(client, { userHash }, async (tx) => {
          const deleted = await purgeTenantMemories(tx, userHash, o.batch);
          await recordPurgeProgress(tx, userHash, erasureId, deleted);
          return deleted;
        }),
      );
      if (n === 0) break;
      purged += n;
      log.info({ purged, of: erasure.memoriesAtErasure }, "purging an erased tenant");
    }
    const purgedAt = new Date();
    await withTenant(client, { userHash }, async (tx) => {
      await purgeTenantLeftovers(tx, userHash, erasure.keyIds);
      await recordPurgeProgress(tx, userHash, erasureId, 0, { purgedAt, receipt: receiptFor(ctx, userHash, erasureId, erasure, purged, purgedAt, o) });
    });
    log.info({ purged }, "erased tenant purged; receipt signed");
    return { purged, interrupted: false };
  } catch (err) {
    throw toJobError(err);
  }
}
