// `memvault tenant erase --user ID`: erasure by key destruction, as the API's `erase` does.
// `memvault tenant rotate-key --user ID`: a new sealing key for one user (a suspected leak of
// theirs), their memories re-sealed under it by the workers, the old key then deleted.
// `memvault tenant receipt --user ID [--out FILE]`: the user's latest erasure receipt.
// `memvault tenant receipt --verify FILE [--public-key PEM]`: an auditor's check.
// `memvault tenant receipt --print-public-key`: prints the key receipts verify against.
import { createPublicKey, type KeyObject } from "node:crypto";
import fs from "node:fs";
import { findKeyringSource } from "../crypto/findKeyringSource.ts";
import { receiptPublicKeyPem, verifyReceipt } from "../crypto/erasureReceipt.ts";
import { createKeyringProvider } from "../crypto/keyringProvider.ts";
import { readDbConfig } from "../config/dbConfig.ts";
import { eraseTenant } from "../keys/eraseTenant.ts";
import { selectTenantErasures } from "../sql/selectTenantErasures.ts";
import { CliError } from "./cliError.ts";
import { openTenantSession } from "./tenantSession.ts";
import pg from "pg";
import { resolveTarget, superuserAppUrl } from "../db/databaseTarget.ts";
import { countChunksToReseal } from "../sql/countChunksToReseal.ts";
import { requestTenantReseal } from "../sql/requestTenantReseal.ts";


const say = (line: string) => process.stderr.write(`[memvault] ${line}\n`);
const configuredKey = (): KeyObject => createKeyringProvider(findKeyringSource(!readDbConfig().DATABASE_URL)).current().receiptKey;

async function erase(user: string): Promise<void> {
  const session = await openTenantSession(user, "tenant erase");
  try {
    const e = await session.withTenant((tx) => eraseTenant(session.tenantKeys, tx, session.userHash));
    say(`erased ${session.userHash.slice(0, 12)}…: ${e.keys} data keys destroyed at ${e.erasedAt.toISOString()} (erasure ${e.erasureId}, recorded in ${session.tenantKeys.ledger.where})`);
    say(`${e.memories} sealed memories are unreadable from now on; a worker purges them (purge_tenant), then \`memvault tenant receipt --user …\` prints the signed receipt`);
  } finally {
    await session.close();
  }
}

/** A new sealing key for the user, and every memory re-sealed under it by the workers, with a progress bar; the old key is then deleted. */
async function rotateKey(user: string, timeoutMs: number): Promise<void> {
  const session = await openTenantSession(user, "tenant rotate-key");
  const root = new pg.Client({ connectionString: superuserAppUrl(await resolveTarget({ start: false })) });
  try {
    const { sealVersion } = await session.withTenant((tx) => session.tenantKeys.addSealingKey(tx, session.userHash));
    say(`new sealing key version ${sealVersion} for ${session.userHash.slice(0, 12)}…: new values are sealed under it`);
    await root.connect();
    await requestTenantReseal(root, session.userHash);
    const started = Date.now();
    for (;;) {
      const { left, total } = await countChunksToReseal(root, session.userHash, sealVersion!);
      process.stderr.write(`\rre-seal ${total - left}/${total} memories under version ${sealVersion}`);
      if (left === 0) break;
      if (Date.now() - started > timeoutMs) throw new CliError("RESEAL_TIMEOUT", `${left} memories still under an older key; workers keep going (are any running?)`);
      await new Promise((r) => setTimeout(r, 500));
    }
    process.stderr.write("\n");
    say("every memory is under the new key; the worker deletes the older sealing keys once nothing else (a waiting memory's labels, a search request) uses them");
  } finally {
    await root.end().catch(() => {});
    await session.close();
  }
}

async function receipt(user: string, out: string | undefined): Promise<void> {
  const session = await openTenantSession(user, "tenant receipt");
  try {
    const [latest] = await session.withTenant((tx) => selectTenantErasures(tx, session.userHash));
    if (!latest) throw new CliError("NOT_FOUND", "this user has no finished erasure (one still being purged shows nothing until it is done)");
    const text = JSON.stringify(latest.receipt, null, 2) + "\n";
    if (out) fs.writeFileSync(out, text, { mode: 0o600, flag: "wx" });
    else process.stdout.write(text);
  } finally {
    await session.close();
  }
}

function verify(file: string, publicKey: string | undefined): void {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliError("RECEIPT_INVALID", `${file} is not a readable JSON document`, { cause: err });
  }
  const key = publicKey ? createPublicKey(fs.readFileSync(publicKey, "utf8")) : configuredKey();
  try {
    const r = verifyReceipt(doc, key).receipt;
    say(`valid: tenant ${r.userHash.slice(0, 12)}… erased at ${r.erasedAt}, purged at ${r.purgedAt} (${r.memoriesPurged} memories, ${r.keysDestroyed.length} keys)`);
  } catch (err) {
    throw new CliError("RECEIPT_INVALID", (err as Error).message, { cause: err });
  }
}

export async function tenantCommand(sub: string | undefined, flags: { user?: string; out?: string; verify?: string; "public-key"?: string; "print-public-key"?: boolean; timeout?: string }): Promise<void> {
  if (sub === "erase" && flags.user) return erase(flags.user);
  if (sub === "rotate-key" && flags.user) return rotateKey(flags.user, Number(flags.timeout ?? 3_600) * 1000);
  if (sub === "receipt" && flags.verify) return verify(flags.verify, flags["public-key"]);
  if (sub === "receipt" && flags["print-public-key"]) return void process.stdout.write(receiptPublicKeyPem(configuredKey()));
  if (sub === "receipt" && flags.user) return receipt(flags.user, flags.out);
  throw new CliError("USAGE", "usage: memvault tenant erase --user ID | rotate-key --user ID | receipt --user ID [--out FILE] | receipt --verify FILE [--public-key PEM] | receipt --print-public-key");
}
