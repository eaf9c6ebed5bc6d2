import type pg from "pg";
import type { KeyObject } from "node:crypto";
import type { SealContext } from "../crypto/aad.ts";
import type { Sealer } from "../crypto/seal.ts";
import type { TenantKeys } from "../keys/tenantKeys.ts";
import { eraseTenant, type Erasure } from "../keys/eraseTenant.ts";

/** What the memory service seals, opens and hashes with: the tenant's own keys. */
export interface TenantKeyDeps {
  /** Seals and opens the tenant's values with the keys its latest transaction read. */
  sealer: (userHash: string) => Sealer;
  /** Creates the tenant's keys when it has none (in the transaction of its first write). */
  ensureKeys: (tx: pg.ClientBase, userHash: string) => Promise<unknown>;
  /** The tenant's blind-index key for scopes and tags. */
  labelKey: (userHash: string) => KeyObject;
  /** Erases the tenant by destroying its keys (eraseTenant.ts). */
  erase: (tx: pg.ClientBase, userHash: string) => Promise<Erasure>;
}

/** Seals a value in the caller's tenant transaction, creating the tenant's keys first if it has none. */
export const sealInTransaction =
  (deps: Pick<TenantKeyDeps, "sealer" | "ensureKeys">, userHash: string) =>
  async (tx: pg.ClientBase, plaintext: Buffer, ctx: SealContext): Promise<Buffer> => {
    await deps.ensureKeys(tx, userHash);
    return deps.sealer(userHash).seal(plaintext, ctx);
  };

export const tenantKeyDeps = (keys: TenantKeys): TenantKeyDeps => ({
  sealer: (userHash) => keys.sealer(userHash),
  ensureKeys: (tx, userHash) => keys.ensure(tx, userHash),
  labelKey: (userHash) => keys.current(userHash).labelKey,
  erase: (tx, userHash) => eraseTenant(keys, tx, userHash),
});
