// The KEK side of `memvault keys rotate` and `memvault keys kek-create`: every tenant's data
// key rewrapped under the primary KEK, with a progress bar; no memory row is touched.
import type pg from "pg";
import { readKekConfig } from "../config/kekConfig.ts";
import type { Kek } from "../crypto/kek.ts";
import { generatePkcs11Kek } from "../crypto/pkcs11Kek.ts";
import { openErasureLedger } from "../keys/openTenantKeys.ts";
import { rewrapTenantKeys } from "../keys/rewrapTenantKeys.ts";
import { CliError } from "./cliError.ts";

function bar(done: number, total: number, primary: string): void {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  process.stderr.write(`\rrewrap [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} data keys under ${primary}`);
}

/** Rewraps every tenant's data keys under kek's primary; resumable (run it again after an interruption). */
export async function rewrapWithProgress(client: pg.ClientBase, kek: Kek): Promise<void> {
  const started = performance.now();
  const { rewrapped, total } = await rewrapTenantKeys(client, kek, openErasureLedger(), (done, all) => bar(done, all, kek.primaryId()));
  process.stderr.write(`\n[memvault] ${rewrapped} of ${total} data keys rewrapped under ${kek.primaryId()} in ${((performance.now() - started) / 1000).toFixed(1)} s; no memory was re-sealed\n`);
}

/** `keys kek-create --label L`: a new KEK on the PKCS#11 token (then set PKCS11_KEY_LABEL=L and run `keys rotate`). */
export function createTokenKek(label: string | undefined): void {
  const config = readKekConfig();
  if (config.provider !== "pkcs11") throw new CliError("USAGE", "keys kek-create is for KEK_PROVIDER=pkcs11 (with the keyring, `keys rotate` makes the new KEK)");
  if (!label) throw new CliError("USAGE", "usage: memvault keys kek-create --label LABEL");
  generatePkcs11Kek(config.pkcs11, label);
  process.stderr.write(`[memvault] created the AES-256 key '${label}' on the token '${config.pkcs11.tokenLabel}' (non-extractable); set PKCS11_KEY_LABEL=${label}, restart, then run \`memvault keys rotate\`\n`);
}
