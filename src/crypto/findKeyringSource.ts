// Which keyring a command uses: the configured one (MEMVAULT_KEYRING or
// MEMVAULT_KEYRING_FILE), else the development keyring `npm start` created for the local
// cluster, so that `memvault worker` and `memvault keys rotate` open what `npm start` sealed.
import fs from "node:fs";
import { config } from "../config.ts";

export type KeyringSource = ReturnType<typeof config.keyringSource>;

export function findKeyringSource(): KeyringSource {
  if (config.keyringConfigured()) return config.keyringSource();
  const local = config.localKeyringFile();
  if (fs.existsSync(local)) return { variable: "MEMVAULT_KEYRING_FILE", file: local };
  return config.keyringSource(); // throws, naming the variable
}
