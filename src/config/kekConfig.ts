// The key-encryption key (KEK): which provider wraps the tenants' data keys, and how to
// reach it. The PIN never comes from a flag (flags show in `ps`): a 0600 file or the
// environment. No default PIN, no default key label: a PKCS#11 deployment names both.
import { ConfigError } from "./configError.ts";
import { int, oneOf, optionalPath, readSettings, text, type Env } from "./settings.ts";
import { keyringSource } from "./keysConfig.ts";
import path from "node:path";

export const KEK_SETTINGS = {
  KEK_PROVIDER: oneOf(
    "Where the key-encryption key lives: `keyring` (derived from the keyring's sealing keys: development and small deployments) or `pkcs11` (an HSM token; the key never leaves it).",
    ["keyring", "pkcs11"] as const,
    "keyring",
  ),
  PKCS11_MODULE: optionalPath("The PKCS#11 module (shared library) of the HSM, e.g. /usr/lib/softhsm/libsofthsm2.so."),
  PKCS11_TOKEN_LABEL: text("The label of the token holding the key-encryption key.", undefined),
  PKCS11_PIN_FILE: optionalPath("A file (mode 0600) holding the token's user PIN. Set this or PKCS11_PIN."),
  PKCS11_PIN: text("The token's user PIN. Prefer PKCS11_PIN_FILE: the environment of a process is readable by its user.", undefined),
  PKCS11_KEY_LABEL: text("The label of the AES key on the token that wraps new data keys (older labels keep unwrapping what they wrapped until `memvault keys rotate` rewraps it).", undefined),
  ERASURE_LEDGER_FILE: optionalPath(
    "The erasure ledger (one JSON record per erasure), kept outside the database so a restore cannot rewind it. Default: erasures.jsonl beside MEMVAULT_KEYRING_FILE (KEK_PROVIDER=keyring), data objects on the token (pkcs11). Without one, erasure is refused.",
  ),
  DEK_CACHE_SIZE: int("How many tenants' unwrapped data keys a process keeps in memory.", 10_000, 1, 10_000_000),
  DEK_CACHE_TTL_S: int("How long an unwrapped data key stays in memory before it is unwrapped again.", 300, 1, 86_400),
};

export type Pkcs11Config = { module: string; tokenLabel: string; pin: { file: string } | { value: string }; keyLabel: string };
export type KekConfig = ({ provider: "keyring" } | { provider: "pkcs11"; pkcs11: Pkcs11Config }) & {
  /** The ledger file; undefined: the token's (pkcs11) or none. */
  ledgerFile: string | undefined;
  cacheSize: number;
  cacheTtlMs: number;
};

/** erasures.jsonl beside a keyring file, when the keyring comes from one. */
function ledgerBesideKeyring(env: Env): string | undefined {
  try {
    const source = keyringSource(env);
    return "file" in source ? path.join(path.dirname(source.file), "erasures.jsonl") : undefined;
  } catch {
    return undefined; // no keyring: the keyring's own check reports it
  }
}

export function readKekConfig(env: Env = process.env): KekConfig {
  const c = readSettings(KEK_SETTINGS, env);
  const common = { cacheSize: c.DEK_CACHE_SIZE, cacheTtlMs: c.DEK_CACHE_TTL_S * 1000 };
  if (c.KEK_PROVIDER === "keyring") return { provider: "keyring", ledgerFile: c.ERASURE_LEDGER_FILE ?? ledgerBesideKeyring(env), ...common };
  const need = <T>(name: string, value: T | undefined): T => {
    if (value === undefined) throw new ConfigError(name, "is not set: KEK_PROVIDER=pkcs11 needs it");
    return value;
  };
  if (c.PKCS11_PIN_FILE && c.PKCS11_PIN) throw new ConfigError("PKCS11_PIN", "and PKCS11_PIN_FILE are both set: set one");
  const pin = c.PKCS11_PIN_FILE ? { file: c.PKCS11_PIN_FILE } : c.PKCS11_PIN ? { value: c.PKCS11_PIN } : undefined;
  return {
    provider: "pkcs11",
    ledgerFile: c.ERASURE_LEDGER_FILE,
    ...common,
    pkcs11: {
      module: need("PKCS11_MODULE", c.PKCS11_MODULE),
      tokenLabel: need("PKCS11_TOKEN_LABEL", c.PKCS11_TOKEN_LABEL),
      pin: need("PKCS11_PIN_FILE", pin),
      keyLabel: need("PKCS11_KEY_LABEL", c.PKCS11_KEY_LABEL),
    },
  };
}
