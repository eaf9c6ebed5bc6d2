// Erasure receipts: a signed JSON document a tenant can fetch and an auditor can check with
// memvault's public key alone (`memvault tenant receipt --verify FILE --public-key PEM`).
// Ed25519 over the receipt's canonical JSON (keys sorted at every level, no spaces), so a
// receipt re-indented or re-ordered by a JSON tool still verifies, and one changed in any
// value does not.
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { CodedError } from "../codedError.ts";

export const RECEIPT_TYPE = "memvault.erasure-receipt.v1";

export interface ErasureReceiptBody {
  type: typeof RECEIPT_TYPE;
  /** The tenant (user_hash). */
  userHash: string;
  erasureId: string;
  /** When the tenant's keys were destroyed: from then nothing of it opens. */
  erasedAt: string;
  /** When the last of its rows, terms and embeddings was deleted. */
  purgedAt: string;
  /** The data keys destroyed (their ids; the keys existed only wrapped, and are refused by the ledger). */
  keysDestroyed: string[];
  memoriesAtErasure: number;
  memoriesPurged: number;
  /** Which backups this erasure makes unreadable, and what a restore of one does. */
  backups: string;
  /** Where the erasure is recorded outside the database. */
  ledger: string;
}

export interface SignedReceipt {
  receipt: ErasureReceiptBody;
  signature: { algorithm: "Ed25519"; publicKeyId: string; value: string };
}

export class ReceiptError extends CodedError<"RECEIPT_INVALID"> {
  override readonly name = "ReceiptError";
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const spki = (key: KeyObject) => (key.type === "private" ? createPublicKey(key) : key).export({ type: "spki", format: "der" });

/** The first 16 hex digits of the public key's SHA-256: names the key that signed. */
export const publicKeyId = (key: KeyObject) => createHash("sha256").update(spki(key)).digest("hex").slice(0, 16);

/** The public key, PEM, for auditors. */
export const receiptPublicKeyPem = (key: KeyObject) => createPublicKey(key).export({ type: "spki", format: "pem" }).toString();

export function signReceipt(receipt: ErasureReceiptBody, privateKey: KeyObject): SignedReceipt {
  const value = sign(null, Buffer.from(canonicalJson(receipt), "utf8"), privateKey).toString("base64");
  return { receipt, signature: { algorithm: "Ed25519", publicKeyId: publicKeyId(privateKey), value } };
}

/** Verifies a receipt document against a public key; RECEIPT_INVALID saying why when it does not. */
export function verifyReceipt(doc: unknown, publicKey: KeyObject): SignedReceipt {
  const d = doc as Partial<SignedReceipt> | null;
  if (!d || typeof d !== "object" || !d.receipt || typeof d.receipt !== "object" || !d.signature || typeof d.signature.value !== "string") {
    throw new ReceiptError("RECEIPT_INVALID", "not a signed erasure receipt (receipt and signature.value are required)");
  }
  if (d.receipt.type !== RECEIPT_TYPE) throw new ReceiptError("RECEIPT_INVALID", `not a ${RECEIPT_TYPE} document`);
  if (d.signature.algorithm !== "Ed25519") throw new ReceiptError("RECEIPT_INVALID", "the signature is not Ed25519");
  const ok = verify(null, Buffer.from(canonicalJson(d.receipt), "utf8"), publicKey, Buffer.from(d.signature.value, "base64"));
  if (!ok) throw new ReceiptError("RECEIPT_INVALID", "the signature does not match this receipt under this public key (changed, or signed by another key)");
  return d as SignedReceipt;
}
