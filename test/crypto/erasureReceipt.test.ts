// Erasure receipts: Ed25519 over the canonical JSON of the receipt, verifiable with the
// public key alone. Any changed value fails; re-ordered keys and re-indentation do not.
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, publicKeyId, RECEIPT_TYPE, signReceipt, verifyReceipt, type ErasureReceiptBody } from "../../src/crypto/erasureReceipt.ts";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { freshKeyringDocument } from "../support/keyrings.ts";

const body: ErasureReceiptBody = {
  type: RECEIPT_TYPE,
  userHash: "c".repeat(64),
  erasureId: "0b7d7c1e-2a3b-4c5d-8e9f-a0b1c2d3e4f5",
  erasedAt: "2026-12-08T02:00:00.000Z",
  purgedAt: "2026-12-08T02:00:09.000Z",
  keysDestroyed: ["11111111-2222-4333-8444-555555555555"],
  memoriesAtErasure: 3,
  memoriesPurged: 3,
  backups: "every backup taken before erasedAt",
  ledger: "file /tmp/erasures.jsonl",
};
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe("erasure receipts", () => {
  const key = parseKeyring("test", JSON.stringify(freshKeyringDocument())).receiptKey;
  const publicKey = createPublicKey(key);

  it("verify with the public key, whatever a JSON tool did to key order and spacing", () => {
    const signed = signReceipt(body, key);
    expect(signed.signature.publicKeyId).toBe(publicKeyId(publicKey));
    const reordered = JSON.parse(JSON.stringify({ signature: signed.signature, receipt: Object.fromEntries(Object.entries(signed.receipt).reverse()) }, null, 3));
    expect(verifyReceipt(reordered, publicKey).receipt).toEqual(body);
  });

  it("fail with RECEIPT_INVALID when any value changed, or under another key", () => {
    const signed = signReceipt(body, key);
    for (const [field, value] of Object.entries({ userHash: "d".repeat(64), memoriesPurged: 2, erasedAt: "2026-12-09T00:00:00.000Z", keysDestroyed: [] })) {
      expect(codeOf(() => verifyReceipt({ ...signed, receipt: { ...signed.receipt, [field]: value } }, publicKey)), field).toBe("RECEIPT_INVALID");
    }
    expect(codeOf(() => verifyReceipt({ ...signed, receipt: { ...signed.receipt, extra: "added" } }, publicKey))).toBe("RECEIPT_INVALID");
    expect(codeOf(() => verifyReceipt(signed, generateKeyPairSync("ed25519").publicKey))).toBe("RECEIPT_INVALID");
    expect(codeOf(() => verifyReceipt({ receipt: body }, publicKey))).toBe("RECEIPT_INVALID");
    expect(codeOf(() => verifyReceipt("not a receipt", publicKey))).toBe("RECEIPT_INVALID");
  });

  it("the signing key comes from the pepper: the same keyring signs alike after a rotation of its sealing keys", () => {
    const doc = freshKeyringDocument();
    const a = parseKeyring("test", JSON.stringify(doc)).receiptKey;
    const b = parseKeyring("test", JSON.stringify({ ...doc, primary: 2, keys: [...doc.keys, { version: 2, key: freshKeyringDocument().keys[0]!.key }] })).receiptKey;
    expect(publicKeyId(a)).toBe(publicKeyId(b));
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
  });
});
