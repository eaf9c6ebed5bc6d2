// The keyring: versioned 256-bit sealing keys (one primary for sealing, older ones for
// opening) and the separate user-hash key (the pepper). Keys live only in the app tier.
// Parsing fails closed: anything missing, short, malformed or duplicated stops start-up
// with an error naming the variable (never the value).
//
// Format (JSON), from MEMVAULT_KEYRING or a 0600 file named by MEMVAULT_KEYRING_FILE:
//   { "primary": 2,
//     "keys": [ { "version": 1, "key": "<base64, 32 bytes>" }, { "version": 2, "key": "…" } ],
//     "userHashKey": "<base64, 32 bytes>" }
import { createPrivateKey, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import fs from "node:fs";
import { inspect } from "node:util";
import { ConfigError } from "../config/configError.ts";
import { hkdfSha256 } from "./hkdf.ts";

export const KEY_BYTES = 32;
const MAX_VERSION = 0xffffffff;

export interface Keyring {
  readonly primaryVersion: number;
  readonly versions: readonly number[];
  /** The AES-256-GCM key for a version, or undefined. */
  sealKey(version: number): KeyObject | undefined;
  /** The key-encryption key of a version (KEK_PROVIDER=keyring wraps tenants' data keys with it), or undefined. */
  kekKey(version: number): KeyObject | undefined;
  /** The HMAC-SHA256 key for user hashes. */
  readonly userHashKey: KeyObject;
  /** The HMAC-SHA256 key for blind indexes of scopes and tags (from the pepper: it never rotates, like user hashes). */
  readonly labelKey: KeyObject;
  /** The HMAC-SHA256 key for blind indexes of keyword terms (from the pepper, like labelKey; a key of its own purpose). */
  readonly termKey: KeyObject;
  /** The Ed25519 key that signs erasure receipts (from the pepper: it never rotates, so old receipts keep verifying). */
  readonly receiptKey: KeyObject;
}

export interface KeyringDocument {
  primary: number;
  keys: { version: number; key: string }[];
  userHashKey: string;
}

// Per-purpose subkeys: a master key is never used directly, so the same master can feed
// another purpose later without two algorithms ever sharing a key.
const SEAL_INFO = Buffer.from("memvault seal aes-256-gcm v1");
const KEK_INFO = Buffer.from("memvault kek aes-256-gcm v1");
const USER_HASH_INFO = Buffer.from("memvault user_hash hmac-sha256 v1");
const LABEL_INFO = Buffer.from("memvault label blind-index hmac-sha256 v1");
const TERM_INFO = Buffer.from("memvault term blind-index hmac-sha256 v1");
const RECEIPT_INFO = Buffer.from("memvault erasure-receipt ed25519 v1");
// An Ed25519 private key is a 32-byte seed; PKCS#8 wraps it behind this fixed prefix (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const ed25519From = (seed: Buffer) => createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
const derive = (master: Buffer, info: Buffer) => createSecretKey(hkdfSha256(master, Buffer.alloc(0), info, KEY_BYTES));

function decodeKey(variable: string, what: string, value: unknown): Buffer {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new ConfigError(variable, `${what} must be base64`);
  }
  const bytes = Buffer.from(value, "base64");
  if (bytes.length !== KEY_BYTES) throw new ConfigError(variable, `${what} must be ${KEY_BYTES} bytes (256 bits), got ${bytes.length}`);
  if (bytes.every((b) => b === bytes[0])) throw new ConfigError(variable, `${what} is a constant byte pattern, not a random key`);
  return bytes;
}

export function parseKeyring(variable: string, text: string): Keyring {
  let doc: Partial<KeyringDocument>;
  try {
    doc = JSON.parse(text) as Partial<KeyringDocument>;
  } catch {
    throw new ConfigError(variable, "is not valid JSON (see docs/security.md, The keyring)");
  }
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.keys) || doc.keys.length === 0) {
    throw new ConfigError(variable, "needs a non-empty \"keys\" array");
  }
  const masters = new Map<number, Buffer>();
  for (const entry of doc.keys) {
    const version = (entry as { version?: unknown })?.version;
    if (typeof version !== "number" || !Number.isInteger(version) || version < 1 || version > MAX_VERSION) {
      throw new ConfigError(variable, "every key needs a \"version\" that is a whole number from 1 to 4294967295");
    }
    if (masters.has(version)) throw new ConfigError(variable, `key version ${version} appears twice`);
    const key = decodeKey(variable, `key version ${version}`, (entry as { key?: unknown }).key);
    for (const [other, existing] of masters) {
      if (timingSafeEqual(existing, key)) throw new ConfigError(variable, `key versions ${other} and ${version} hold the same key`);
    }
    masters.set(version, key);
  }
  if (typeof doc.primary !== "number" || !masters.has(doc.primary)) {
    throw new ConfigError(variable, "\"primary\" must name one of the key versions");
  }
  const pepper = decodeKey(variable, "userHashKey", doc.userHashKey);
  for (const [version, key] of masters) {
    if (timingSafeEqual(key, pepper)) throw new ConfigError(variable, `userHashKey must differ from key version ${version}`);
  }

  const sealKeys = new Map([...masters].map(([v, m]) => [v, derive(m, SEAL_INFO)]));
  const kekKeys = new Map([...masters].map(([v, m]) => [v, derive(m, KEK_INFO)]));
  const userHashKey = derive(pepper, USER_HASH_INFO);
  const labelKey = derive(pepper, LABEL_INFO);
  const termKey = derive(pepper, TERM_INFO);
  const receiptSeed = hkdfSha256(pepper, Buffer.alloc(0), RECEIPT_INFO, KEY_BYTES);
  const receiptKey = ed25519From(receiptSeed);
  receiptSeed.fill(0);
  for (const m of [...masters.values(), pepper]) m.fill(0);
  const versions = [...sealKeys.keys()].sort((a, b) => a - b);
  const primaryVersion = doc.primary;
  return {
    primaryVersion,
    versions,
    sealKey: (version) => sealKeys.get(version),
    kekKey: (version) => kekKeys.get(version),
    userHashKey,
    labelKey,
    termKey,
    receiptKey,
    // Never print key material, even by accident (console.log, a logger, an error dump).
    [inspect.custom]: () => `Keyring { primary: ${primaryVersion}, versions: [${versions.join(", ")}] }`,
    toJSON: () => ({ primaryVersion, versions }),
  } as Keyring;
}

/** Reads a keyring file, refusing one that group or others may read. */
export function readKeyringFile(variable: string, file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ConfigError(variable, `cannot read keyring file ${file}`);
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new ConfigError(variable, `keyring file ${file} is readable by group or others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`);
  }
  return fs.readFileSync(file, "utf8");
}

export const generateKey = (): string => randomBytes(KEY_BYTES).toString("base64");

/** A new keyring document: version 1 primary, a fresh user-hash key. */
export function newKeyringDocument(): KeyringDocument {
  return { primary: 1, keys: [{ version: 1, key: generateKey() }], userHashKey: generateKey() };
}

/** Adds a fresh key as the new primary; every older key stays for opening. */
export function rotateKeyringDocument(doc: KeyringDocument): KeyringDocument {
  const next = Math.max(...doc.keys.map((k) => k.version)) + 1;
  if (next > MAX_VERSION) throw new Error("key versions exhausted");
  return { ...doc, primary: next, keys: [...doc.keys, { version: next, key: generateKey() }] };
}
