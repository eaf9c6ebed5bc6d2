// The configured keyring (MEMVAULT_KEYRING or MEMVAULT_KEYRING_FILE), fail-closed at
// creation and re-read when its file changes, so that `memvault keys rotate` reaches
// running processes. A keyring that stops loading makes the next seal or open fail (a
// worker's job retries, the ingest rows staying) instead of using a stale key set.
// A reload that changes userHashKey (the pepper) is refused and the loaded keyring kept:
// a new pepper would map every user to a new, empty tenant.
import fs from "node:fs";
import { keyringSource, type KeyringSource } from "../config/keysConfig.ts";
import { logger } from "../logger.ts";
import { parseKeyring, readKeyringFile, type Keyring } from "./keyring.ts";

export interface KeyringProvider {
  current(): Keyring;
}

export function createKeyringProvider(
  source: KeyringSource = keyringSource(),
  onRefused: (problem: string) => void = (problem) => logger.error({ code: "KEYRING_RELOAD_REFUSED" }, problem),
): KeyringProvider {
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
        const next = parseKeyring(source.variable, readKeyringFile(source.variable, source.file));
        stamp = mtime;
        if (!next.userHashKey.equals(loaded.userHashKey)) {
          onRefused(`${source.variable}: the changed keyring has another userHashKey; refused, the loaded keyring stays (restore the previous userHashKey)`);
        } else {
          loaded = next;
        }
      }
      return loaded;
    },
  };
}
