// `memvault doctor`: prints the PASS/FAIL table; exits 1 when anything FAILs. With a keyring
// configured, the key-encryption key and the erasure ledger are checked too.
import { pgBinDir, readDbConfig } from "../config/dbConfig.ts";
import { ConfigError } from "../config/configError.ts";
import { findKeyringSource } from "../crypto/findKeyringSource.ts";
import { createKeyringProvider } from "../crypto/keyringProvider.ts";
import { resolveTarget, superuserAppUrl } from "../db/databaseTarget.ts";
import type { ErasureLedger } from "../crypto/erasureLedger.ts";
import type { Kek } from "../crypto/kek.ts";
import { openErasureLedger, openKek } from "../keys/openTenantKeys.ts";
import { formatDoctorTable, runDoctor } from "../ops/doctor.ts";

type Keys = { kek: Kek; ledger: ErasureLedger } | { problem: string } | undefined;

/** The KEK and the ledger; undefined without a keyring (nothing to check them with); the problem when they do not open. */
function openKeys(): Keys {
  let keyrings;
  try {
    keyrings = createKeyringProvider(findKeyringSource(!readDbConfig().DATABASE_URL));
  } catch (err) {
    if (err instanceof ConfigError) return undefined;
    throw err;
  }
  try {
    return { kek: openKek(keyrings), ledger: openErasureLedger() };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { problem: err instanceof ConfigError ? e.message! : `${e.code ?? "ERROR"}: ${e.message}` };
  }
}

export async function doctorCommand(): Promise<void> {
  const keys = openKeys();
  try {
    const rows = await runDoctor(pgBinDir(), superuserAppUrl(await resolveTarget({ start: false })), keys);
    process.stdout.write(formatDoctorTable(rows) + "\n");
    if (rows.some((r) => r.status === "FAIL")) process.exitCode = 1;
  } finally {
    if (keys && "kek" in keys) await keys.kek.close();
  }
}
