// Key-encryption keys: what wraps each tenant's data keys (DEKs). A provider wraps and
// unwraps inside itself; memvault never holds the KEK of an HSM, and holds a keyring KEK
// only as a derived KeyObject. Asynchronous, so a provider may be remote (a cloud KMS is
// one more implementation of this interface: wrap = Encrypt, unwrap = Decrypt, its key's
// ARN or name as the id's tail).
import { CodedError } from "../codedError.ts";

export type KekErrorCode =
  /** The PKCS#11 module cannot be loaded or initialised. */
  | "KEK_MODULE_UNAVAILABLE"
  /** No token with the configured label is present. */
  | "KEK_TOKEN_MISSING"
  /** The token refused the PIN (or it is locked). */
  | "KEK_PIN_INCORRECT"
  /** The key a label or id names is not on the token (or not in the keyring). */
  | "KEK_KEY_MISSING"
  /** The provider failed mid-operation (token removed, session lost): nothing was written. */
  | "KEK_UNAVAILABLE"
  /** A wrapped key failed authentication: wrong KEK, another tenant's key, or tampered bytes. */
  | "KEK_UNWRAP_FAILED";

/** Messages name labels and codes, never a PIN or key bytes. */
export class KekError extends CodedError<KekErrorCode> {
  override readonly name = "KekError";
}

export interface Kek {
  /** The id of the KEK that wraps new keys, stored beside each wrapped key ("keyring:3", "pkcs11:memvault-kek-2"). */
  primaryId(): string;
  /** Wraps a data key under the primary KEK; the additional data binds it to its tenant and version. */
  wrap(dek: Buffer, aad: Buffer): Promise<{ kekId: string; wrapped: Buffer }>;
  /** Unwraps with the KEK the id names; KEK_KEY_MISSING when the provider does not hold it. */
  unwrap(kekId: string, wrapped: Buffer, aad: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

/** The bytes a data key is wrapped with: its tenant, version and identity. */
export function dekAad(userHash: string, version: number, keyId: string): Buffer {
  return Buffer.from(`memvault/dek/v1\0${userHash}\0${version}\0${keyId}`, "utf8");
}
