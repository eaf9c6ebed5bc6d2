// Erasure by key destruction. In one tenant transaction, with the tenant's writers held off:
// its key ids are written to the erasure ledger (outside the database, durably) and then
// its wrapped keys are deleted (memvault.erase_tenant). From that commit nothing of the
// tenant opens for anyone: not here, not from a backup (the ledger refuses its keys). The
// rows, terms and embeddings are purged afterwards by purge_tenant jobs.
//
// The ledger is written first: if the database step fails, the keys are already refused
// (the tenant reads as erasing) and the next start finishes the erasure; an erasure is
// never reported done without its record.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { tenantSettingStatements } from "../db/withTenant.ts";
import { eraseTenantKeys } from "../sql/eraseTenantKeys.ts";
import { lockTenantWrites } from "../sql/lockTenantWrites.ts";
import { selectTenantKeys } from "../sql/selectTenantKeys.ts";
import { TenantKeyError } from "./keyError.ts";
import type { TenantKeys } from "./tenantKeys.ts";

export interface Erasure {
  erasureId: string;
  erasedAt: Date;
  /** Data keys destroyed. */
  keys: number;
  /** Sealed memories left for the purge. */
  memories: number;
}

/** Erases the tenant of `tx` (its tenant transaction); TENANT_ERASING when an erasure of it is still being purged. */
export async function eraseTenant(keys: TenantKeys, tx: pg.ClientBase, userHash: string): Promise<Erasure> {
  // The transaction's tenant again: a tenant whose keys the ledger already refuses (an
  // erasure whose database step failed) was left with none when its keys were read.
  for (const statement of tenantSettingStatements(tx, { "app.user_hash": userHash })) await tx.query(statement);
  await lockTenantWrites(tx, userHash, "exclusive");
  const { keys: wrapped, erasing } = await selectTenantKeys(tx, userHash);
  if (erasing) throw new TenantKeyError("TENANT_ERASING", "this tenant's erasure is still being purged");
  const erasureId = randomUUID();
  const keyIds = wrapped.map((k) => k.keyId);
  await keys.ledger.append({ userHash, erasureId, erasedAt: new Date().toISOString(), keyIds });
  const { erasedAt, memories } = await eraseTenantKeys(tx, erasureId, keyIds);
  return { erasureId, erasedAt, keys: keyIds.length, memories };
}
