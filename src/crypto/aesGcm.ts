// AES-GCM with the parameters memvault allows and nothing else: 96-bit nonces and full
// 128-bit tags. Node accepts other IV lengths and, without authTagLength, shorter tags;
// both are refused here before OpenSSL sees them.
import { createCipheriv, createDecipheriv, type KeyObject } from "node:crypto";
import { SealError } from "./sealError.ts";

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

const algorithmFor = (keyBytes: number) => {
  switch (keyBytes) {
    case 16:
      return "aes-128-gcm" as const;
    case 24:
      return "aes-192-gcm" as const;
    case 32:
      return "aes-256-gcm" as const;
    default:
      throw new SealError("SEAL_BAD_INPUT", `AES key must be 16, 24 or 32 bytes, got ${keyBytes}`);
  }
};

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_BYTES) throw new SealError("SEAL_MALFORMED", `nonce must be ${NONCE_BYTES} bytes, got ${nonce.length}`);
}

export function gcmEncrypt(key: KeyObject, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Buffer; tag: Buffer } {
  checkNonce(nonce);
  const cipher = createCipheriv(algorithmFor(key.symmetricKeySize ?? 0), key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/** Authenticates, then returns the plaintext; never a partial plaintext on failure. */
export function gcmDecrypt(key: KeyObject, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Buffer {
  checkNonce(nonce);
  if (tag.length !== TAG_BYTES) throw new SealError("SEAL_MALFORMED", `tag must be ${TAG_BYTES} bytes, got ${tag.length}`);
  const decipher = createDecipheriv(algorithmFor(key.symmetricKeySize ?? 0), key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const head = decipher.update(ciphertext);
  try {
    const tail = decipher.final();
    return Buffer.concat([head, tail]);
  } catch (err) {
    // GCM decrypts before it authenticates: wipe what was decrypted before failing.
    head.fill(0);
    throw new SealError("SEAL_AUTH_FAILED", "ciphertext failed authentication", { cause: err });
  }
}
