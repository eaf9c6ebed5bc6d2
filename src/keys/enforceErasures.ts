// Before a worker serves, and after a backup is restored: every erasure on the ledger (which
// lives outside the database) that the database does not know is done again, at its
// recorded time. A restored backup brings an erased tenant's keys and rows back; this
// deletes the keys at once and queues the purge of the rows. Meanwhile nothing of the
// tenant opens or is returned anyway: its keys are on the ledger, so every process reads
// the tenant as erasing.
import type pg from "pg";
import type { Logger } from "pino";
import { withTenant } from "../db/withTenant.ts";
import { eraseTenantKeys } from "../sql/eraseTenantKeys.ts";
import { selectUnpurgedErasures } from "../sql/selectUnpurgedErasures.ts";
import type { ErasureLedger } from "../crypto/erasureLedger.ts";

const CHECK_BATCH = 5_000;

/** Returns how many erasures were done again. `client`: the worker's role or a superuser. */
export async function enforceErasures(client: pg.ClientBase, ledger: ErasureLedger, logger: Pick<Logger, "info" | "warn">): Promise<number> {
  const records = await ledger.records();
  const byId = new Map(records.map((r) => [r.erasureId, r]));
  let redone = 0;
  for (let i = 0; i < records.length; i += CHECK_BATCH) {
    const batch = records.slice(i, i + CHECK_BATCH);
    const unpurged = await withTenant(client, { userHash: "" }, (tx) => selectUnpurgedErasures(tx, batch));
    // One the database holds has its purge job; one it does not know a restore lost.
    for (const missing of unpurged.filter((u) => !u.known)) {
      const r = byId.get(missing.erasureId)!;
      await withTenant(client, { userHash: r.userHash }, (tx) => eraseTenantKeys(tx, r.erasureId, r.keyIds, r.erasedAt));
      redone++;
    }
    if (records.length > CHECK_BATCH) logger.info({ checked: Math.min(i + CHECK_BATCH, records.length), of: records.length }, "checking the erasure ledger against the database");
  }
  if (redone > 0) logger.warn({ erasures: redone, ledger: ledger.where }, "erasures the database did not hold as purged (a restored backup?) were done again; their purge is queued");
  return redone;
}
