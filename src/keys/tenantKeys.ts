// Each tenant's data keys, as every tenant transaction of the API and the worker sees them:
// read (wrapped) at the transaction's start, unwrapped by the KEK provider on a cache miss,
// created on the tenant's first write. Unwrapped keys stay only in memory (dekCache), and a
// key the erasure ledger names is never unwrapped, whatever a restored database holds.
import { randomUUID, type KeyObject } from "node:crypto";
import type pg from "pg";
import { deriveDekKeys, newDek, type DerivedKeys } from "../crypto/dekKeys.ts";
import type { ErasureLedger } from "../crypto/erasureLedger.ts";
import { dekAad, type Kek } from "../crypto/kek.ts";
import type { KeyringProvider } from "../crypto/keyringProvider.ts";
import { createTenantSealer, type Sealer, type TenantDeks } from "../crypto/seal.ts";
import { insertTenantKeys } from "../sql/insertTenantKeys.ts";
import { selectPredatesTenantKeys } from "../sql/selectPredatesTenantKeys.ts";
import { selectTenantKeys, type WrappedKeyRow } from "../sql/selectTenantKeys.ts";
import { createDekCache } from "./dekCache.ts";
import { TenantKeyError } from "./keyError.ts";

/** Version 0 roots the blind-index keys; sealing keys are 1 and up. */
export const INDEX_KEY_VERSION = 0;
const FIRST_SEAL_VERSION = 1;

export interface TenantKeySet extends TenantDeks {
  /** An erasure of this tenant is being purged: the transaction was left with no tenant. */
  readonly erasing: boolean;
  readonly keyIds: readonly string[];
  /** Blind-index keys: from version 0, or the pepper's for a tenant whose rows predate its keys. */
  readonly labelKey: KeyObject;
  readonly termKey: KeyObject;
}

export interface TenantKeys {
  readonly kek: Kek;
  readonly ledger: ErasureLedger;
  /** Reads the tenant's keys in its transaction (its first statement); an erasing tenant's transaction then sees nothing. */
  prepare(tx: pg.ClientBase, userHash: string): Promise<TenantKeySet>;
  /** prepare, creating the tenant's keys when it has none; TENANT_ERASING while an erasure is purged. */
  ensure(tx: pg.ClientBase, userHash: string): Promise<TenantKeySet>;
  /** A new sealing key for the tenant (a suspected leak of its key): new values are sealed under it; a re-seal moves the old ones. */
  addSealingKey(tx: pg.ClientBase, userHash: string): Promise<TenantKeySet>;
  /** The tenant's keys as its latest transaction in this process read them. */
  current(userHash: string): TenantKeySet;
  /** A sealer for the tenant's values, with current(userHash)'s keys. */
  sealer(userHash: string): Sealer;
}

export interface TenantKeysOptions {
  kek: Kek;
  ledger: ErasureLedger;
  keyrings: KeyringProvider;
  cacheSize: number;
  cacheTtlMs: number;
}

export function createTenantKeys(o: TenantKeysOptions): TenantKeys {
  const cache = createDekCache(o.cacheSize, o.cacheTtlMs);
  const latest = new Map<string, TenantKeySet>();

  async function unwrap(userHash: string, row: WrappedKeyRow): Promise<DerivedKeys> {
    const id = `${row.kekId}\0${row.keyId}\0${row.wrapped.toString("base64")}`;
    const hit = cache.get(id);
    if (hit) return hit;
    const keys = deriveDekKeys(await o.kek.unwrap(row.kekId, row.wrapped, dekAad(userHash, row.version, row.keyId)));
    cache.set(id, keys);
    return keys;
  }

  async function keySet(userHash: string, all: WrappedKeyRow[], erasingInDatabase: boolean): Promise<TenantKeySet> {
    // A key on the erasure ledger that the database still holds (a restored backup, or an
    // erasure whose database step failed): the tenant reads as erasing until it is purged.
    const refused = await Promise.all(all.map((r) => o.ledger.isErased(r.keyId)));
    const rows = all.filter((_, i) => !refused[i]);
    const erasing = erasingInDatabase || refused.includes(true);
    const derived = await Promise.all(rows.map((r) => unwrap(userHash, r)));
    const deks = new Map<number, KeyObject>();
    let index: DerivedKeys | undefined;
    rows.forEach((r, i) => (r.version === INDEX_KEY_VERSION ? (index = derived[i]) : deks.set(r.version, derived[i]!.seal)));
    const pepper = o.keyrings.current();
    const sealVersion = deks.size ? Math.max(...deks.keys()) : undefined;
    const set: TenantKeySet = { userHash, erasing, sealVersion, deks, keyIds: rows.map((r) => r.keyId), labelKey: index?.label ?? pepper.labelKey, termKey: index?.term ?? pepper.termKey };
    latest.delete(userHash);
    latest.set(userHash, set);
    while (latest.size > o.cacheSize) latest.delete(latest.keys().next().value!);
    return set;
  }

  async function prepare(tx: pg.ClientBase, userHash: string): Promise<TenantKeySet> {
    const { keys, erasing } = await selectTenantKeys(tx, userHash);
    const set = await keySet(userHash, keys, erasing);
    // Until the purge ends, the transaction has no tenant: every policy then matches nothing.
    if (set.erasing) await tx.query("set local app.user_hash = ''");
    return set;
  }

  async function wrapNew(userHash: string, version: number): Promise<WrappedKeyRow> {
    const keyId = randomUUID();
    const raw = newDek();
    try {
      return { version, keyId, ...(await o.kek.wrap(raw, dekAad(userHash, version, keyId))) };
    } finally {
      raw.fill(0);
    }
  }

  return {
    kek: o.kek,
    ledger: o.ledger,
    prepare,
    async ensure(tx, userHash) {
      const set = await prepare(tx, userHash);
      if (set.erasing) throw new TenantKeyError("TENANT_ERASING", "this tenant was erased and its purge is not finished: try again later");
      if (set.sealVersion !== undefined) return set;
      // A tenant with memories from before its keys keeps its blind indexes under the pepper.
      const versions = (await selectPredatesTenantKeys(tx, userHash)) ? [FIRST_SEAL_VERSION] : [INDEX_KEY_VERSION, FIRST_SEAL_VERSION];
      await insertTenantKeys(tx, userHash, await Promise.all(versions.map((v) => wrapNew(userHash, v))));
      return prepare(tx, userHash);
    },
    async addSealingKey(tx, userHash) {
      const set = await this.ensure(tx, userHash);
      await insertTenantKeys(tx, userHash, [await wrapNew(userHash, set.sealVersion! + 1)]);
      return prepare(tx, userHash);
    },
    current(userHash) {
      const set = latest.get(userHash);
      if (!set) throw new Error("the tenant's keys were not read in this transaction (TenantKeys.prepare)");
      return set;
    },
    sealer(userHash) {
      return createTenantSealer(o.keyrings.current(), this.current(userHash));
    },
  };
}
