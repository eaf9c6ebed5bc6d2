import { createHmac, type KeyObject } from "node:crypto";
import type { Keyring } from "./keyring.ts";
import { SealError } from "./sealError.ts";

export const MAX_USER_ID_BYTES = 1024;

/**
 * The tenant key: HMAC-SHA256 of the user id under the keyring's user-hash key
 * (the pepper, never a sealing key), lowercase hex. Deterministic across processes;
 * without the pepper, a user id cannot be confirmed from its hash.
 */
export function hmacUser(keyring: Pick<Keyring, "userHashKey">, userId: string): string {
  if (typeof userId !== "string" || userId.length === 0) throw new SealError("SEAL_BAD_INPUT", "user id must be a non-empty string");
  if (Buffer.byteLength(userId, "utf8") > MAX_USER_ID_BYTES) {
    throw new SealError("SEAL_BAD_INPUT", `user id must be at most ${MAX_USER_ID_BYTES} bytes`);
  }
  return hmacSha256(keyring.userHashKey, Buffer.from(userId, "utf8")).toString("hex");
}

/** HMAC-SHA256, full 32-byte tag: the primitive under hmacUser (checked against Wycheproof). */
export function hmacSha256(key: KeyObject, message: Uint8Array): Buffer {
  return createHmac("sha256", key).update(message).digest();
}
