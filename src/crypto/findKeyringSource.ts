// Which keyring a command uses: the configured one (MEMVAULT_KEYRING or
// MEMVAULT_KEYRING_FILE); else, only for a command on the local cluster, the development
// keyring `npm start` created beside it, so that `memvault worker` and `memvault keys
// rotate` open what `npm start` sealed. A command pointed at any other database by a URL
// never picks up a keyring because it happens to lie in the working directory: it needs
// its keyring configured, and refuses to start without one.
import fs from "node:fs";
import { localKeyringFile } from "../config/dbConfig.ts";
import { keyringConfigured, keyringSource, type KeyringSource } from "../config/keysConfig.ts";

export function findKeyringSource(onLocalCluster: boolean): KeyringSource {
  if (keyringConfigured() || !onLocalCluster) return keyringSource(); // throws, naming the variable, when unset
  const local = localKeyringFile();
  if (fs.existsSync(local)) return { variable: "MEMVAULT_KEYRING_FILE", file: local };
  return keyringSource();
}
