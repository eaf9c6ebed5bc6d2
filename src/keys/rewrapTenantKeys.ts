// KEK rotation in O(tenants): every data key not wrapped under the primary KEK is unwrapped
// with the KEK that wrapped it and wrapped again under the primary, a batch per transaction.
// No memory row is read or written. Resumable: a key already under the primary is never
// selected again. Keys on the erasure ledger are left as they are (enforceErasures deletes
// them). Run as a superuser: it reads every tenant's keys.
import type pg from "pg";
import type { ErasureLedger } from "../crypto/erasureLedger.ts";
import { dekAad, type Kek } from "../crypto/kek.ts";
import { countKeysToRewrap } from "../sql/countKeysToRewrap.ts";
import { selectKeysToRewrap } from "../sql/selectKeysToRewrap.ts";
import { updateRewrappedKeys } from "../sql/updateRewrappedKeys.ts";

const BATCH = 1_000;

export async function rewrapTenantKeys(
  client: pg.ClientBase,
  kek: Kek,
  ledger: ErasureLedger,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<{ rewrapped: number; total: number }> {
  const primary = kek.primaryId();
  const total = await countKeysToRewrap(client, primary);
  let after: { userHash: string; version: number } | null = null;
  let rewrapped = 0;
  onProgress(0, total);
  for (;;) {
    const batch = await selectKeysToRewrap(client, primary, after, BATCH);
    if (batch.length === 0) return { rewrapped, total };
    const out = [];
    for (const k of batch) {
      if (await ledger.isErased(k.keyId)) continue;
      const aad = dekAad(k.userHash, k.version, k.keyId);
      const raw = await kek.unwrap(k.kekId, k.wrapped, aad);
      try {
        out.push({ userHash: k.userHash, version: k.version, oldKekId: k.kekId, ...(await kek.wrap(raw, aad)) });
      } finally {
        raw.fill(0);
      }
    }
    rewrapped += await updateRewrappedKeys(client, out);
    after = { userHash: batch.at(-1)!.userHash, version: batch.at(-1)!.version };
    onProgress(rewrapped, total);
  }
}
