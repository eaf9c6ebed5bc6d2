// Keyrings made fresh for each test: no key is ever written down in the repository.
import { newKeyringDocument, parseKeyring, rotateKeyringDocument, type KeyringDocument } from "../../src/crypto/keyring.ts";

export function freshKeyringDocument(): KeyringDocument {
  return newKeyringDocument();
}

export const keyringFrom = (doc: KeyringDocument) => parseKeyring("MEMVAULT_KEYRING", JSON.stringify(doc));

export { rotateKeyringDocument };
