// The configured keyring (MEMVAULT_KEYRING or MEMVAULT_KEYRING_FILE), fail-closed at
// creation and re-read when its file changes, so that `memvault keys rotate` reaches
// running processes. A keyring that stops loading makes the next seal or open fail (a
// worker's job retries, the ingest rows staying) instead of using a stale key set.
import fs from "node:fs";
import { config } from "../config.ts";
import { parseKeyring, readKeyringFile, type Keyring } from "./keyring.ts";

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
