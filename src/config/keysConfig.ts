// The keyring: the only secret memvault's own code holds. No default: without a keyring
// nothing that seals or hashes starts.
import path from "node:path";
import { ConfigError } from "./configError.ts";
import { readSettings, text, type Env } from "./settings.ts";

export const KEYS_SETTINGS = {
  MEMVAULT_KEYRING: text("The keyring JSON (`memvault keys generate --keyring`). Set this or MEMVAULT_KEYRING_FILE.", undefined),
  MEMVAULT_KEYRING_FILE: text("A file holding the keyring JSON, mode 0600.", undefined),
};

export type KeyringSource = { variable: string; text: string } | { variable: string; file: string };

/** Whether any keyring setting is present (npm start makes a development keyring only when none is). */
export const keyringConfigured = (env: Env = process.env) => {
  const c = readSettings(KEYS_SETTINGS, env);
  return c.MEMVAULT_KEYRING !== undefined || c.MEMVAULT_KEYRING_FILE !== undefined;
};

/** Where the keyring comes from; a ConfigError naming the variable when there is none or two. */
export function keyringSource(env: Env = process.env): KeyringSource {
  const c = readSettings(KEYS_SETTINGS, env);
  if (c.MEMVAULT_KEYRING && c.MEMVAULT_KEYRING_FILE) throw new ConfigError("MEMVAULT_KEYRING", "and MEMVAULT_KEYRING_FILE are both set: set one");
  if (c.MEMVAULT_KEYRING) return { variable: "MEMVAULT_KEYRING", text: c.MEMVAULT_KEYRING };
  if (c.MEMVAULT_KEYRING_FILE) return { variable: "MEMVAULT_KEYRING_FILE", file: path.resolve(c.MEMVAULT_KEYRING_FILE) };
  throw new ConfigError("MEMVAULT_KEYRING", "is not set (nor MEMVAULT_KEYRING_FILE): memvault has no default key; create a keyring with `memvault keys generate --keyring`");
}
