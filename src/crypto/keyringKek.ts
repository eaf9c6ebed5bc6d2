// KEK_PROVIDER=keyring: the KEK of each keyring version is a subkey of that version's master
// key (keyring.kekKey), so `memvault keys rotate` (a new primary version) is also a KEK
// rotation. Wrapped layout: nonce (12) | wrapped key | tag (16), AES-256-GCM.
import { randomBytes } from "node:crypto";
import { gcmDecrypt, gcmEncrypt, NONCE_BYTES, TAG_BYTES } from "./aesGcm.ts";
import { KekError, type Kek } from "./kek.ts";
import type { Keyring } from "./keyring.ts";

const PREFIX = "keyring:";

export function createKeyringKek(current: () => Keyring): Kek {
  const keyFor = (kekId: string) => {
    const version = kekId.startsWith(PREFIX) ? Number(kekId.slice(PREFIX.length)) : Number.NaN;
    const key = Number.isInteger(version) ? current().kekKey(version) : undefined;
    if (!key) {
      const hint = kekId.startsWith(PREFIX) ? "" : ` (KEK_PROVIDER=keyring: configure the provider that wrapped it)`;
      throw new KekError("KEK_KEY_MISSING", `the keyring holds no key-encryption key ${kekId}${hint}`);
    }
    return key;
  };
  return {
    primaryId: () => `${PREFIX}${current().primaryVersion}`,
    async wrap(dek, aad) {
      const kekId = `${PREFIX}${current().primaryVersion}`;
      const nonce = randomBytes(NONCE_BYTES);
      const { ciphertext, tag } = gcmEncrypt(keyFor(kekId), nonce, aad, dek);
      return { kekId, wrapped: Buffer.concat([nonce, ciphertext, tag]) };
    },
    async unwrap(kekId, wrapped, aad) {
      const key = keyFor(kekId);
      if (wrapped.length <= NONCE_BYTES + TAG_BYTES) throw new KekError("KEK_UNWRAP_FAILED", "wrapped key is too short");
      try {
        return gcmDecrypt(key, wrapped.subarray(0, NONCE_BYTES), aad, wrapped.subarray(NONCE_BYTES, -TAG_BYTES), wrapped.subarray(-TAG_BYTES));
      } catch (err) {
        throw new KekError("KEK_UNWRAP_FAILED", `a key wrapped under ${kekId} failed authentication`, { cause: err });
      }
    },
    close: async () => {},
  };
}
