// The KEK side of `memvault keys rotate` and `memvault keys kek-create`: every tenant's data
// key rewrapped under the primary KEK, with a progress bar; no memory row is touched.
import pg from "pg";
import { resolveTarget, superuserAppUrl } from "../db/databaseTarget.ts";
import { readKekConfig } from "../config/kekConfig.ts";
import type { Kek } from "../crypto/kek.ts";
import { generatePkcs11Kek } from "../crypto/pkcs11Kek.ts";
import { openErasureLedger } from "../keys/openTenantKeys.ts";
import { rewrapTenantKeys } from "../keys/rewrapTenantKeys.ts";
import { CliError } from "./cliError.ts";

const say = (line: string) => process.stderr.write(`[memvault] ${line}\n`);

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

/**
 * Rewraps every tenant's keys under kek's primary. With `orSay`, a database that cannot be
 * found is not an error: it says so, and how to finish later.
 */
export async function rewrap(kek: Kek, opts: { orSay?: string }): Promise<void> {
  try {
    let url: string;
    try {
      url = superuserAppUrl(await resolveTarget({ start: false }));
    } catch (err) {
      if (!opts.orSay) throw err;
      say(`${opts.orSay} (${(err as Error).message}): run \`memvault keys rewrap\` against it; until then the older key still unwraps them`);
      return;
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await rewrapWithProgress(client, kek);
    } finally {
      await client.end();
    }
  } finally {
    await kek.close();
  }
}

/** `keys kek-create --label L`: a new KEK on the PKCS#11 token (then set PKCS11_KEY_LABEL=L and run `keys rotate`). */
export function createTokenKek(label: string | undefined): void {
  const config = readKekConfig();
  if (config.provider !== "pkcs11") throw new CliError("USAGE", "keys kek-create is for KEK_PROVIDER=pkcs11 (with the keyring, `keys rotate` makes the new KEK)");
  if (!label) throw new CliError("USAGE", "usage: memvault keys kek-create --label LABEL");
  generatePkcs11Kek(config.pkcs11, label);
  process.stderr.write(`[memvault] created the AES-256 key '${label}' on the token '${config.pkcs11.tokenLabel}' (non-extractable); set PKCS11_KEY_LABEL=${label}, restart, then run \`memvault keys rotate\`\n`);
}
