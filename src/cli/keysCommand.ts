// `memvault keys generate [--keyring] [--out FILE]` and `memvault keys rotate [--file FILE]`.
import fs from "node:fs";
import path from "node:path";
import { config } from "../config.ts";
import {
  generateKey,
  newKeyringDocument,
  parseKeyring,
  readKeyringFile,
  rotateKeyringDocument,
  type KeyringDocument,
} from "../crypto/keyring.ts";
import { CliError } from "./cliError.ts";

const say = (line: string) => process.stderr.write(`[memvault] ${line}\n`);

/** Writes a keyring file with mode 0600 from the first byte on, replacing atomically. */
function writeKeyringFile(file: string, doc: KeyringDocument, opts: { replace: boolean }): void {
  if (!opts.replace && fs.existsSync(file)) throw new CliError("EXISTS", `${file} exists; refusing to overwrite a keyring`);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(doc, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  fs.renameSync(tmp, file);
}

export async function keysCommand(sub: string | undefined, flags: { keyring?: boolean; out?: string; file?: string }): Promise<void> {
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
      const source = flags.file ? { variable: "--file", file: path.resolve(flags.file) } : config.keyringSource();
      const text = "text" in source ? source.text : readKeyringFile(source.variable, source.file);
      parseKeyring(source.variable, text); // refuse to rotate a keyring that would not load
      const rotated = rotateKeyringDocument(JSON.parse(text) as KeyringDocument);
      parseKeyring(source.variable, JSON.stringify(rotated));
      if ("file" in source) {
        writeKeyringFile(source.file, rotated, { replace: true });
        say(`key version ${rotated.primary} is now primary in ${source.file}; versions ${rotated.keys.map((k) => k.version).join(", ")} still open old rows`);
      } else {
        process.stdout.write(JSON.stringify(rotated) + "\n");
        say(`key version ${rotated.primary} is primary in the keyring above: store it as MEMVAULT_KEYRING and restart`);
      }
      say("restart the API and workers to seal with the new key; old rows keep opening with their own versions");
      return;
    }
    default:
      throw new CliError("USAGE", "usage: memvault keys generate [--keyring [--out FILE]] | keys rotate [--file FILE]");
  }
}
