// Sealed blobs: AES-256-GCM under the keyring's primary key, bound by AAD to tenant,
// table, field, row, key version and format.
//
// Layout (33 bytes of overhead):
//   [0]      format version (1)
//   [1..4]   key version, u32 big-endian   } header: 5 bytes, so keys can rotate
//   [5..16]  nonce, 12 random bytes          } GCM: 28 bytes
//   [17..]   ciphertext (plaintext length)
//   [-16..]  tag, 16 bytes
import { randomBytes } from "node:crypto";
import { encodeAad, type SealContext } from "./aad.ts";
import { gcmDecrypt, gcmEncrypt, NONCE_BYTES, TAG_BYTES } from "./aesGcm.ts";
import type { Keyring } from "./keyring.ts";
import { createSealCounter, type SealCounter } from "./sealCounter.ts";
import { SealError } from "./sealError.ts";

export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 5;
export const SEAL_OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

export interface Sealer {
  seal(plaintext: Uint8Array, ctx: SealContext): Buffer;
  openSealed(blob: Uint8Array, ctx: SealContext): Buffer;
}

function checkContext(ctx: SealContext): void {
  for (const key of ["userHash", "table", "field", "rowId"] as const) {
    if (typeof ctx[key] !== "string" || ctx[key].length === 0) {
      throw new SealError("SEAL_BAD_INPUT", `seal context needs a non-empty ${key}`);
    }
  }
}

/** Reads the key version a blob was sealed with (for re-sealing), without opening it. */
export function sealedKeyVersion(blob: Uint8Array): number {
  if (blob.length < SEAL_OVERHEAD) throw new SealError("SEAL_MALFORMED", `sealed blob is ${blob.length} bytes, shorter than the ${SEAL_OVERHEAD}-byte overhead`);
  if (blob[0] !== FORMAT_VERSION) throw new SealError("SEAL_MALFORMED", `unknown sealed blob format ${blob[0]}`);
  return Buffer.from(blob.buffer, blob.byteOffset, blob.length).readUInt32BE(1);
}

export function createSealer(keyring: Keyring, opts: { counter?: SealCounter } = {}): Sealer {
  const counter = opts.counter ?? createSealCounter();
  return {
    seal(plaintext, ctx) {
      checkContext(ctx);
      const version = keyring.primaryVersion;
      const key = keyring.sealKey(version);
      if (!key) throw new SealError("SEAL_UNKNOWN_KEY", `primary key version ${version} is not in the keyring`);
      counter.record(version);
      const header = Buffer.alloc(HEADER_BYTES);
      header.writeUInt8(FORMAT_VERSION, 0);
      header.writeUInt32BE(version, 1);
      const nonce = randomBytes(NONCE_BYTES);
      const { ciphertext, tag } = gcmEncrypt(key, nonce, encodeAad(ctx, FORMAT_VERSION, version), plaintext);
      return Buffer.concat([header, nonce, ciphertext, tag]);
    },
    openSealed(blob, ctx) {
      checkContext(ctx);
      const version = sealedKeyVersion(blob);
      const key = keyring.sealKey(version);
      if (!key) throw new SealError("SEAL_UNKNOWN_KEY", `sealed with key version ${version}, which the keyring does not hold`);
      const b = Buffer.from(blob.buffer, blob.byteOffset, blob.length);
      const nonce = b.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
      const ciphertext = b.subarray(HEADER_BYTES + NONCE_BYTES, b.length - TAG_BYTES);
      const tag = b.subarray(b.length - TAG_BYTES);
      return gcmDecrypt(key, nonce, encodeAad(ctx, FORMAT_VERSION, version), ciphertext, tag);
    },
  };
}
