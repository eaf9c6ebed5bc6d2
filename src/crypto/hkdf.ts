import { hkdfSync } from "node:crypto";

/** HKDF-SHA256 (RFC 5869). Throws for lengths above 255 * 32 bytes. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
    throw new RangeError(`HKDF-SHA256 output length must be 1..8160 bytes, got ${length}`);
  }
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, length));
}
