// doctor's checks of the key-encryption key: the provider answers and holds its key (a
// wrap/unwrap round trip inside it), no tenant key is stored unwrapped or malformed, a
// sample of them unwraps, and the erasure ledger is readable with every erasure purged.
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import type { ErasureLedger } from "../crypto/erasureLedger.ts";
import { dekAad, type Kek } from "../crypto/kek.ts";
import { selectUnpurgedErasures } from "../sql/selectUnpurgedErasures.ts";
import { selectWrappedKeyAudit } from "../sql/selectWrappedKeyAudit.ts";
import type { DoctorRow } from "./doctor.ts";

const SAMPLE = 20;
const codeOf = (err: unknown) => (err as { code?: string }).code ?? "ERROR";

async function providerRow(kek: Kek): Promise<DoctorRow> {
  try {
    const dek = randomBytes(32);
    const aad = dekAad("0".repeat(64), 1, randomUUID());
    const { kekId, wrapped } = await kek.wrap(dek, aad);
    const ok = (await kek.unwrap(kekId, wrapped, aad)).equals(dek);
    return { check: "kek provider", status: ok ? "PASS" : "FAIL", detail: `${kek.primaryId()}: wrap and unwrap inside the provider` };
  } catch (err) {
    return { check: "kek provider", status: "FAIL", detail: `${kek.primaryId()}: ${codeOf(err)}` };
  }
}

async function keysRow(client: pg.ClientBase, kek: Kek, ledger: ErasureLedger): Promise<DoctorRow> {
  const audit = await selectWrappedKeyAudit(client, SAMPLE);
  if (audit.malformed > 0) return { check: "tenant keys", status: "FAIL", detail: `${audit.malformed} of ${audit.total} are not wrapped keys (stored unwrapped, or under no known KEK)` };
  const failed: string[] = [];
  for (const k of audit.sample) {
    if (await ledger.isErased(k.keyId)) continue; // refused by design; enforceErasures deletes it
    await kek.unwrap(k.kekId, k.wrapped, dekAad(k.userHash, k.version, k.keyId)).then((raw) => raw.fill(0), (err: unknown) => void failed.push(`${k.kekId} ${codeOf(err)}`));
  }
  return failed.length
    ? { check: "tenant keys", status: "FAIL", detail: `${failed.length} of ${audit.sample.length} sampled keys do not unwrap: ${[...new Set(failed)].join(", ")}` }
    : { check: "tenant keys", status: "PASS", detail: `${audit.total} wrapped keys, none unwrapped; ${audit.sample.length} sampled unwrap` };
}

async function ledgerRow(client: pg.ClientBase, ledger: ErasureLedger): Promise<DoctorRow> {
  try {
    const records = await ledger.records();
    const unpurged = records.length ? await selectUnpurgedErasures(client, records) : [];
    return unpurged.length
      ? { check: "erasure ledger", status: "WARN", detail: `${ledger.where}: ${unpurged.length} of ${records.length} erasures not purged yet (a worker purges them; one restored from a backup is erased again at its start)` }
      : { check: "erasure ledger", status: "PASS", detail: `${ledger.where}: ${records.length} erasures, all purged` };
  } catch (err) {
    return { check: "erasure ledger", status: "FAIL", detail: `${ledger.where}: ${codeOf(err)}` };
  }
}

/** `client`: a superuser on the application database. */
export async function kekRows(client: pg.ClientBase, kek: Kek, ledger: ErasureLedger): Promise<DoctorRow[]> {
  return [await providerRow(kek), await keysRow(client, kek, ledger), await ledgerRow(client, ledger)];
}
