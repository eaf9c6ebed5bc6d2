// Sealed blobs: AES-256-GCM under the tenant's data key (format 2) or, for values sealed
// before per-tenant keys, the keyring's (format 1); bound by AAD to tenant, table, field,
// row, key version and format.
//
// Layout (33 bytes of overhead):
//   [0]      format version (1: keyring key, 2: the tenant's data key)
//   [1..4]   key version, u32 big-endian   } header: 5 bytes, so keys can rotate
//   [5..16]  nonce, 12 random bytes          } GCM: 28 bytes
//   [17..]   ciphertext (plaintext length)
//   [-16..]  tag, 16 bytes
import { randomBytes, type KeyObject } from "node:crypto";
import { encodeAad, type SealContext } from "./aad.ts";
import { gcmDecrypt, gcmEncrypt, NONCE_BYTES, TAG_BYTES } from "./aesGcm.ts";
import type { Keyring } from "./keyring.ts";
import { createSealCounter, type SealCounter } from "./sealCounter.ts";
import { SealError } from "./sealError.ts";

export const FORMAT_VERSION = 1;
/** Sealed under the tenant's own data key (its version in the header), not the keyring. */
export const TENANT_FORMAT_VERSION = 2;
export const HEADER_BYTES = 5;
export const SEAL_OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

export interface Sealer {
  seal(plaintext: Uint8Array, ctx: SealContext): Buffer;
  openSealed(blob: Uint8Array, ctx: SealContext): Buffer;
}

/** A tenant's unwrapped data keys: what a tenant sealer seals and opens with. */
export interface TenantDeks {
  readonly userHash: string;
  /** The version new values are sealed under; undefined while the tenant has no key. */
  readonly sealVersion: number | undefined;
  readonly deks: ReadonlyMap<number, KeyObject>;
}

function checkContext(ctx: SealContext): void {
  for (const key of ["userHash", "table", "field", "rowId"] as const) {
    if (typeof ctx[key] !== "string" || ctx[key].length === 0) {
      throw new SealError("SEAL_BAD_INPUT", `seal context needs a non-empty ${key}`);
    }
  }
}

function readHeader(blob: Uint8Array): { format: number; version: number } {
  if (blob.length < SEAL_OVERHEAD) throw new SealError("SEAL_MALFORMED", `sealed blob is ${blob.length} bytes, shorter than the ${SEAL_OVERHEAD}-byte overhead`);
  if (blob[0] !== FORMAT_VERSION && blob[0] !== TENANT_FORMAT_VERSION) throw new SealError("SEAL_MALFORMED", `unknown sealed blob format ${blob[0]}`);
  return { format: blob[0]!, version: Buffer.from(blob.buffer, blob.byteOffset, blob.length).readUInt32BE(1) };
}

/** Reads the key version a blob was sealed with (for re-sealing), without opening it. */
export const sealedKeyVersion = (blob: Uint8Array): number => readHeader(blob).version;

/** Whether a blob is sealed under a tenant data key (format 2) rather than the keyring (format 1). */
export const sealedUnderTenantKey = (blob: Uint8Array): boolean => readHeader(blob).format === TENANT_FORMAT_VERSION;

function sealWith(key: KeyObject, format: number, version: number, plaintext: Uint8Array, ctx: SealContext): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(format, 0);
  header.writeUInt32BE(version, 1);
  const nonce = randomBytes(NONCE_BYTES);
  const { ciphertext, tag } = gcmEncrypt(key, nonce, encodeAad(ctx, format, version), plaintext);
  return Buffer.concat([header, nonce, ciphertext, tag]);
}

function openWith(key: KeyObject, format: number, version: number, blob: Uint8Array, ctx: SealContext): Buffer {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.length);
  const nonce = b.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const ciphertext = b.subarray(HEADER_BYTES + NONCE_BYTES, b.length - TAG_BYTES);
  return gcmDecrypt(key, nonce, encodeAad(ctx, format, version), ciphertext, b.subarray(b.length - TAG_BYTES));
}

/** Opens a format-1 blob with the keyring (values sealed before per-tenant keys). */
function openWithKeyring(keyring: Keyring, blob: Uint8Array, ctx: SealContext): Buffer {
  const { format, version } = readHeader(blob);
  const key = keyring.sealKey(version);
  if (!key) throw new SealError("SEAL_UNKNOWN_KEY", `sealed with key version ${version}, which the keyring does not hold`);
  return openWith(key, format, version, blob, ctx);
}

/** Seals under the keyring's primary key (format 1); opens format 1 only. */
export function createSealer(keyring: Keyring, opts: { counter?: SealCounter } = {}): Sealer {
  const counter = opts.counter ?? createSealCounter();
  return {
    seal(plaintext, ctx) {
      checkContext(ctx);
      const version = keyring.primaryVersion;
      const key = keyring.sealKey(version);
      if (!key) throw new SealError("SEAL_UNKNOWN_KEY", `primary key version ${version} is not in the keyring`);
      counter.record(version);
      return sealWith(key, FORMAT_VERSION, version, plaintext, ctx);
    },
    openSealed(blob, ctx) {
      checkContext(ctx);
      if (readHeader(blob).format !== FORMAT_VERSION) throw new SealError("SEAL_UNKNOWN_KEY", "sealed under a tenant data key, which this sealer does not hold");
      return openWithKeyring(keyring, blob, ctx);
    },
  };
}

/**
 * Seals under the tenant's data key (format 2); opens format 2 with the tenant's keys and
 * format 1 with the keyring (rows not yet re-sealed). Only for the tenant the keys are of.
 */
export function createTenantSealer(keyring: Keyring, tenant: TenantDeks): Sealer {
  const checkTenant = (ctx: SealContext) => {
    checkContext(ctx);
    if (ctx.userHash !== tenant.userHash) throw new SealError("SEAL_BAD_INPUT", "a tenant sealer seals and opens its own tenant's values only");
  };
  return {
    seal(plaintext, ctx) {
      checkTenant(ctx);
      const version = tenant.sealVersion;
      const key = version === undefined ? undefined : tenant.deks.get(version);
      if (version === undefined || !key) throw new SealError("SEAL_NO_TENANT_KEY", "the tenant has no data key to seal with");
      return sealWith(key, TENANT_FORMAT_VERSION, version, plaintext, ctx);
    },
    openSealed(blob, ctx) {
      checkTenant(ctx);
      const { format, version } = readHeader(blob);
      if (format === FORMAT_VERSION) return openWithKeyring(keyring, blob, ctx);
      const key = tenant.deks.get(version);
      if (!key) throw new SealError("SEAL_UNKNOWN_KEY", `sealed under the tenant's data key version ${version}, which it no longer has`);
      return openWith(key, format, version, blob, ctx);
    },
  };
}
