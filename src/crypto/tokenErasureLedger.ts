// The erasure ledger on the HSM token (KEK_PROVIDER=pkcs11): one private data object per
// erasure (CKO_DATA, application "memvault erasure", the record as its value), so it lives
// and is backed up with the KEK itself, wherever the application hosts come and go. The
// erased key ids are re-read from the token at most every REFRESH_MS.
import type * as Pkcs11Types from "pkcs11js";
import { LedgerError, parseErasureRecord, type ErasureLedger, type ErasureRecord } from "./erasureLedger.ts";
import { openPkcs11Session, type Pkcs11Config, type Pkcs11Session, pkcs11 } from "./pkcs11Session.ts";

const APPLICATION = "memvault erasure";
const REFRESH_MS = 10_000;

function withSession<T>(config: Pkcs11Config, fn: (s: Pkcs11Session) => T): T {
  let s: Pkcs11Session;
  try {
    s = openPkcs11Session(config);
  } catch (err) {
    throw new LedgerError("ERASURE_LEDGER_UNAVAILABLE", `cannot open the token '${config.tokenLabel}' for the erasure ledger`, { cause: err });
  }
  try {
    return fn(s);
  } catch (err) {
    throw err instanceof LedgerError ? err : new LedgerError("ERASURE_LEDGER_UNAVAILABLE", `the erasure ledger on '${config.tokenLabel}' failed`, { cause: err });
  } finally {
    s.close();
  }
}

function readRecords(s: Pkcs11Session): ErasureRecord[] {
  s.p11.C_FindObjectsInit(s.handle, [
    { type: pkcs11().CKA_CLASS, value: pkcs11().CKO_DATA },
    { type: pkcs11().CKA_APPLICATION, value: APPLICATION },
  ]);
  let handles: Pkcs11Types.Handle[];
  try {
    handles = s.p11.C_FindObjects(s.handle, 1_000_000);
  } finally {
    s.p11.C_FindObjectsFinal(s.handle);
  }
  return handles.map((h) => {
    const [value] = s.p11.C_GetAttributeValue(s.handle, h, [{ type: pkcs11().CKA_VALUE }]);
    return parseErasureRecord(JSON.parse((value!.value as Buffer).toString("utf8")));
  });
}

export function createTokenErasureLedger(config: Pkcs11Config): ErasureLedger {
  let erased = new Set<string>();
  let readAt = -Infinity;
  return {
    where: `token ${config.tokenLabel}`,
    async append(record) {
      withSession(config, (s) =>
        s.p11.C_CreateObject(s.handle, [
          { type: pkcs11().CKA_CLASS, value: pkcs11().CKO_DATA },
          { type: pkcs11().CKA_TOKEN, value: true },
          { type: pkcs11().CKA_PRIVATE, value: true },
          { type: pkcs11().CKA_MODIFIABLE, value: false },
          { type: pkcs11().CKA_APPLICATION, value: APPLICATION },
          { type: pkcs11().CKA_LABEL, value: `erasure ${record.erasureId}` },
          { type: pkcs11().CKA_VALUE, value: Buffer.from(JSON.stringify(record), "utf8") },
        ]),
      );
      for (const k of record.keyIds) erased.add(k);
    },
    records: async () => withSession(config, readRecords),
    async isErased(keyId) {
      if (performance.now() - readAt > REFRESH_MS) {
        erased = new Set(withSession(config, readRecords).flatMap((r) => r.keyIds));
        readAt = performance.now();
      }
      return erased.has(keyId);
    },
  };
}
