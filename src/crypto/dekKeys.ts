// A tenant's data key (DEK) is never used directly: each purpose gets its own subkey, as the
// keyring's masters do. Version 0's label and term keys are the tenant's blind-index keys;
// versions 1 and up seal.
import { createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { hkdfSha256 } from "./hkdf.ts";
import { KEY_BYTES } from "./keyring.ts";

export interface DerivedKeys {
  seal: KeyObject;
  label: KeyObject;
  term: KeyObject;
}

const SEAL_INFO = Buffer.from("memvault tenant seal aes-256-gcm v1");
const LABEL_INFO = Buffer.from("memvault tenant label blind-index hmac-sha256 v1");
const TERM_INFO = Buffer.from("memvault tenant term blind-index hmac-sha256 v1");

/** The subkeys of a raw data key, which is wiped. */
export function deriveDekKeys(raw: Buffer): DerivedKeys {
  const derive = (info: Buffer) => createSecretKey(hkdfSha256(raw, Buffer.alloc(0), info, KEY_BYTES));
  try {
    return { seal: derive(SEAL_INFO), label: derive(LABEL_INFO), term: derive(TERM_INFO) };
  } finally {
    raw.fill(0);
  }
}

export const newDek = (): Buffer => randomBytes(KEY_BYTES);
