import { CodedError } from "../codedError.ts";
export type SealErrorCode =
  /** The blob is too short, has an unknown format version or a bad length. */
  | "SEAL_MALFORMED"
  /** The blob names a key version the keyring does not hold. */
  | "SEAL_UNKNOWN_KEY"
  /** Tag mismatch: wrong key, wrong tenant/row/field (AAD), or tampered bytes. */
  | "SEAL_AUTH_FAILED"
  /** The primary key reached its safe number of random-nonce encryptions: rotate. */
  | "SEAL_KEY_EXHAUSTED"
  /** A seal for a tenant that has no data key yet (the caller did not create it first). */
  | "SEAL_NO_TENANT_KEY"
  /** A sealing argument is not what the API takes (e.g. an empty tenant). */
  | "SEAL_BAD_INPUT";

/**
 * Every crypto failure. Messages never carry key material, plaintext or ciphertext;
 * `cause` holds the library error, whose text names no secret either.
 */
export class SealError extends CodedError<SealErrorCode> {
  override readonly name = "SealError";
}
