// The worker's keyring, re-read when its file changes, so that `memvault keys rotate`
// reaches running workers. A keyring that stops loading makes jobs fail (and retry, the
// ingest rows staying where they are) instead of sealing with a stale key set.
import fs from "node:fs";
import { config } from "../config.ts";
import { parseKeyring, readKeyringFile, type Keyring } from "../crypto/keyring.ts";

export interface KeyringProvider {
  current(): Keyring;
}

export function createKeyringProvider(source: ReturnType<typeof config.keyringSource> = config.keyringSource()): KeyringProvider {
  if ("text" in source) {
    const keyring = parseKeyring(source.variable, source.text);
    return { current: () => keyring };
  }
  let loaded = parseKeyring(source.variable, readKeyringFile(source.variable, source.file));
  let stamp = fs.statSync(source.file).mtimeMs;
  return {
    current() {
      let mtime: number;
      try {
        mtime = fs.statSync(source.file).mtimeMs;
      } catch {
        mtime = Number.NaN; // gone: fall through and fail like any unreadable keyring
      }
      if (mtime !== stamp) {
        loaded = parseKeyring(source.variable, readKeyringFile(source.variable, source.file));
        stamp = mtime;
      }
      return loaded;
    },
  };
}
