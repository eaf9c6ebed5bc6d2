// bench:keys' first measurement: seal and open of 1 KiB on one core (this thread) with many
// tenants' data keys warm, each operation through a tenant sealer for the next tenant in
// turn, as the API and the worker get one per transaction.
import { randomBytes } from "node:crypto";
import { deriveDekKeys, newDek } from "../../src/crypto/dekKeys.ts";
import { newKeyringDocument, parseKeyring } from "../../src/crypto/keyring.ts";
import { createTenantSealer, type TenantDeks } from "../../src/crypto/seal.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { measureOps } from "./measureOps.ts";

export function warmSealRates(tenants: number, ops: number): Record<string, number> {
  const keyring = parseKeyring("bench", JSON.stringify(newKeyringDocument()));
  const sets: TenantDeks[] = Array.from({ length: tenants }, (_, i) => ({ userHash: i.toString(16).padStart(64, "0"), sealVersion: 1, deks: new Map([[1, deriveDekKeys(newDek()).seal]]) }));
  const payload = randomBytes(1024);
  const ctx = (i: number) => chunkContext(sets[i % tenants]!.userHash, "6f1c2b3a-0000-4000-8000-000000000001", "text");
  const blobs = sets.map((s, i) => createTenantSealer(keyring, s).seal(payload, ctx(i)));
  const seal = measureOps(ops, (i) => createTenantSealer(keyring, sets[i % tenants]!).seal(payload, ctx(i)));
  const open = measureOps(ops, (i) => createTenantSealer(keyring, sets[i % tenants]!).openSealed(blobs[i % tenants]!, ctx(i)));
  return {
    seal_ops_per_s_1k_dek: seal.opsPerS,
    open_ops_per_s_1k_dek: open.opsPerS,
    seal_p50_ms_1k_dek: seal.p50,
    seal_p99_ms_1k_dek: seal.p99,
    open_p50_ms_1k_dek: open.p50,
    open_p99_ms_1k_dek: open.p99,
  };
}
