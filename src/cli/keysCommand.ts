// `memvault keys generate [--keyring] [--out FILE]` and `memvault keys rotate [--file FILE]`.
import { readKekConfig } from "../config/kekConfig.ts";
import { openKek } from "../keys/openTenantKeys.ts";
import { countKeysWrappedBy } from "../sql/countKeysWrappedBy.ts";
import { createTokenKek, rewrap } from "./kekRotation.ts";
import { followReseal } from "./followReseal.ts";
import fs from "node:fs";
import path from "node:path";
import { localKeyringFile, readDbConfig } from "../config/dbConfig.ts";
import { ConfigError } from "../config/configError.ts";
import { findKeyringSource } from "../crypto/findKeyringSource.ts";
import type { KeyringSource } from "../config/keysConfig.ts";
import {
  generateKey,
  newKeyringDocument,
  parseKeyring,
  readKeyringFile,
  rotateKeyringDocument,
  type KeyringDocument,
} from "../crypto/keyring.ts";
import pg from "pg";
import { resolveTarget, superuserAppUrl } from "../db/databaseTarget.ts";
import { requestReseal } from "../sql/requestReseal.ts";
import { selectKeyVersionUsage } from "../sql/selectKeyVersionUsage.ts";
import { selectOtherSealsByKey } from "../sql/selectOtherSealsByKey.ts";
import { CliError } from "./cliError.ts";

const say = (line: string) => process.stderr.write(`[memvault] ${line}\n`);

/** Writes a keyring file with mode 0600 from the first byte on, replacing atomically. */
function writeKeyringFile(file: string, doc: KeyringDocument, opts: { replace: boolean }): void {
  if (!opts.replace && fs.existsSync(file)) throw new CliError("EXISTS", `${file} exists; refusing to overwrite a keyring`);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(doc, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  fs.renameSync(tmp, file);
}

/**
 * The keyring document from --file, the configured keyring, or npm start's development
 * keyring, validated. With none of them and memories in the database, the advice is to
 * find the keyring that sealed them: a new one could open nothing.
 */
async function readKeyringDocument(flags: { file?: string }) {
  let source: KeyringSource;
  try {
    source = flags.file ? { variable: "--file", file: path.resolve(flags.file) } : findKeyringSource(!readDbConfig().DATABASE_URL);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const sealed = await withSuperuser(async (client) => [...(await selectKeyVersionUsage(client)).values()].reduce((a, b) => a + b, 0)).catch(() => undefined);
    if (sealed) {
      throw new CliError(
        "NO_KEYRING",
        `no keyring found (MEMVAULT_KEYRING, MEMVAULT_KEYRING_FILE, or ${localKeyringFile()}), and ${sealed} memories are sealed: point MEMVAULT_KEYRING_FILE (or --file) at the keyring that sealed them; a new keyring cannot open them`,
      );
    }
    throw err;
  }
  const text = "text" in source ? source.text : readKeyringFile(source.variable, source.file);
  parseKeyring(source.variable, text); // refuse to touch a keyring that would not load
  return { source, doc: JSON.parse(text) as KeyringDocument };
}

function saveKeyringDocument(source: KeyringSource, doc: KeyringDocument, what: string): void {
  parseKeyring(source.variable, JSON.stringify(doc));
  if ("file" in source) {
    writeKeyringFile(source.file, doc, { replace: true });
    say(`${what} in ${source.file}`);
  } else {
    process.stdout.write(JSON.stringify(doc) + "\n");
    say(`${what} in the keyring above: store it as MEMVAULT_KEYRING and restart`);
  }
}

async function withSuperuser<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: superuserAppUrl(await resolveTarget({ start: false })) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function keysCommand(
  sub: string | undefined,
  flags: { keyring?: boolean; out?: string; file?: string; reseal?: boolean; version?: string; timeout?: string; label?: string },
): Promise<void> {
  switch (sub) {
    case "generate": {
      if (!flags.keyring) {
        process.stdout.write(generateKey() + "\n");
        return;
      }
      const doc = newKeyringDocument();
      if (flags.out) {
        writeKeyringFile(path.resolve(flags.out), doc, { replace: false });
        say(`wrote a new keyring (primary version 1) to ${flags.out} (mode 0600); set MEMVAULT_KEYRING_FILE to use it`);
      } else {
        process.stdout.write(JSON.stringify(doc) + "\n");
      }
      return;
    }
    case "rotate": {
      // A new primary keyring version, then every tenant's data key rewrapped under the
      // primary KEK: that new version (KEK_PROVIDER=keyring), or the HSM key
      // PKCS11_KEY_LABEL names (made with keys kek-create). No memory is re-sealed.
      const kekConfig = readKekConfig();
      const { source, doc } = await readKeyringDocument(flags);
      const rotated = rotateKeyringDocument(doc);
      saveKeyringDocument(source, rotated, `key version ${rotated.primary} is now primary (versions ${rotated.keys.map((k) => k.version).join(", ")} still open old values and unwrap old keys)`);
      const keyring = parseKeyring(source.variable, JSON.stringify(rotated));
      await rewrap(openKek({ current: () => keyring }, kekConfig), { orSay: "the keyring is rotated, but no database is reachable to rewrap the tenants' keys in" });
      if (!flags.reseal) {
        say("rows sealed before per-tenant keys (key_version > 0) still open with their keyring version; move them to their tenants' keys with --reseal or select memvault.request_reseal()");
        return;
      }
      await withSuperuser(async (client) => {
        say(`re-seal requested for ${await requestReseal(client)} tenants`);
        await followReseal(client, Number(flags.timeout ?? 3_600) * 1000);
      });
      return;
    }
    case "kek-create":
      return createTokenKek(flags.label);
    case "rewrap": {
      // Alone: after an interrupted rotation, or a new PKCS11_KEY_LABEL.
      const { source, doc } = await readKeyringDocument(flags);
      const keyring = parseKeyring(source.variable, JSON.stringify(doc));
      return rewrap(openKek({ current: () => keyring }), {});
    }
    case "remove": {
      const version = Number(flags.version);
      const { source, doc } = await readKeyringDocument(flags);
      if (!doc.keys.some((k) => k.version === version)) throw new CliError("USAGE", `--version must name a key version in the keyring`);
      if (version === doc.primary) throw new CliError("KEY_IS_PRIMARY", `key version ${version} is the primary: rotate first`);
      // With KEK_PROVIDER=keyring the version is also a KEK: tenants' keys wrapped under it would be lost with it.
      const wrapping = await withSuperuser((client) => countKeysWrappedBy(client, `keyring:${version}`));
      if (wrapping > 0) throw new CliError("KEY_IN_USE", `${wrapping} tenant data keys are wrapped under key version ${version}: rewrap them first (memvault keys rotate)`);
      const inUse = await withSuperuser(async (client) => (await selectKeyVersionUsage(client)).get(version) ?? 0);
      if (inUse > 0) {
        throw new CliError("KEY_IN_USE", `${inUse} chunks are still sealed with key version ${version}: re-seal them first (memvault keys rotate --reseal, or select memvault.request_reseal())`);
      }
      // Labels (of sealed memories and of memories still waiting for the worker) and search
      // queries are sealed under a key too: removing it would leave them unopenable.
      const other = await withSuperuser((client) => selectOtherSealsByKey(client, version));
      if (other.labels > 0 || other.queries > 0) {
        throw new CliError(
          "KEY_IN_USE",
          `${other.labels} labels and ${other.queries} search queries are still sealed with key version ${version}: let the worker seal waiting memories, re-seal (memvault keys rotate --reseal), and let search requests expire (RERANK_RETENTION_SECONDS) first`,
        );
      }
      saveKeyringDocument(source, { ...doc, keys: doc.keys.filter((k) => k.version !== version) }, `key version ${version} removed`);
      return;
    }
    default:
      throw new CliError("USAGE", "usage: memvault keys generate [--keyring [--out FILE]] | rotate [--file FILE] [--reseal] | rewrap [--file FILE] | kek-create --label L | remove --version N [--file FILE]");
  }
}
