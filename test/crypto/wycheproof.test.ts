// Wycheproof vectors (test/fixtures/wycheproof, see its SOURCE.md): every valid case with
// a 96-bit IV passes, every invalid case is rejected for the right reason, and the HMAC
// cases run through memvault's own HMAC (the one hmacUser uses).
import { createSecretKey, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gcmDecrypt, gcmEncrypt } from "../../src/crypto/aesGcm.ts";
import { hkdfSha256 } from "../../src/crypto/hkdf.ts";
import { hmacSha256, hmacUser } from "../../src/crypto/hmacUser.ts";
import { SealError } from "../../src/crypto/sealError.ts";

const DIR = path.join(import.meta.dirname, "..", "fixtures", "wycheproof");
type Case = { tcId: number; result: "valid" | "invalid" | "acceptable"; comment: string; [field: string]: string | number };
type Group = { tests: Case[]; ivSize?: number; keySize?: number; tagSize?: number };
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return err instanceof SealError ? err.code : `not a SealError: ${String(err)}`;
  }
  return "accepted";
};
const load = (file: string) => (JSON.parse(fs.readFileSync(path.join(DIR, file), "utf8")) as { testGroups: Group[] }).testGroups;
const hex = (s: string | number | undefined) => Buffer.from(String(s ?? ""), "hex");

describe("AES-GCM (aes_gcm_test.json)", () => {
  const groups = load("aes_gcm_test.json");
  const cases: (Case & { ivSize: number; tagSize: number })[] = groups.flatMap((g) =>
    g.tests.map((t) => Object.assign({}, t, { ivSize: g.ivSize!, tagSize: g.tagSize! })),
  );

  it("has the vectors", () => {
    expect(cases.filter((c) => c.ivSize === 96 && c.result === "valid").length).toBeGreaterThan(50);
    expect(cases.filter((c) => c.result === "invalid").length).toBeGreaterThan(50);
  });

  it("every valid case with a 96-bit IV encrypts to the expected bytes and decrypts back", () => {
    let checked = 0;
    for (const c of cases.filter((c) => c.result === "valid" && c.ivSize === 96)) {
      const key = createSecretKey(hex(c.key));
      const { ciphertext, tag } = gcmEncrypt(key, hex(c.iv), hex(c.aad), hex(c.msg));
      expect(ciphertext.toString("hex"), `tcId ${c.tcId}`).toBe(c.ct);
      expect(tag.toString("hex"), `tcId ${c.tcId}`).toBe(c.tag);
      expect(gcmDecrypt(key, hex(c.iv), hex(c.aad), hex(c.ct), hex(c.tag)).toString("hex"), `tcId ${c.tcId}`).toBe(c.msg);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("every invalid case is rejected for its reason: a bad tag fails authentication, a bad size is malformed", () => {
    let checked = 0;
    for (const c of cases.filter((c) => c.result === "invalid")) {
      const key = createSecretKey(hex(c.key));
      // Parameters memvault allows (96-bit nonce, 128-bit tag) can only fail authentication.
      const expected = c.ivSize === 96 && hex(c.tag).length === 16 ? "SEAL_AUTH_FAILED" : "SEAL_MALFORMED";
      expect(codeOf(() => gcmDecrypt(key, hex(c.iv), hex(c.aad), hex(c.ct), hex(c.tag))), `tcId ${c.tcId}: ${c.comment}`).toBe(expected);
      checked++;
    }
    expect(checked).toBe(cases.filter((c) => c.result === "invalid").length);
  });

  it("refuses IVs other than 96 bits outright, even ones GCM could use", () => {
    for (const c of cases.filter((c) => c.ivSize !== 96)) {
      const key = createSecretKey(hex(c.key));
      expect(() => gcmEncrypt(key, hex(c.iv), hex(c.aad), hex(c.msg)), `tcId ${c.tcId}`).toThrow(/nonce must be 12 bytes/);
    }
  });
});

describe("HMAC-SHA256 (hmac_sha256_test.json)", () => {
  const groups = load("hmac_sha256_test.json");
  const verify = (c: Case, tagBytes: number) => {
    const full = hmacSha256(createSecretKey(hex(c.key)), hex(c.msg));
    const tag = hex(c.tag);
    return tag.length === tagBytes && timingSafeEqual(full.subarray(0, tagBytes), tag);
  };

  it("hmacUser computes the full-length valid cases whose message is a user id (UTF-8 text)", () => {
    let checked = 0;
    for (const g of groups.filter((g) => g.tagSize === 256)) {
      for (const c of g.tests.filter((c) => c.result === "valid" && hex(c.key).length > 0)) {
        const msg = hex(c.msg);
        const text = msg.toString("utf8");
        if (msg.length === 0 || !Buffer.from(text, "utf8").equals(msg)) continue; // not a string hmacUser can take
        expect(hmacUser({ userHashKey: createSecretKey(hex(c.key)) }, text), `tcId ${c.tcId}`).toBe(c.tag);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("valid cases verify, invalid ones do not", () => {
    let valid = 0;
    let invalid = 0;
    for (const g of groups) {
      for (const c of g.tests) {
        if (c.result === "valid") {
          expect(verify(c, g.tagSize! / 8), `tcId ${c.tcId}`).toBe(true);
          valid++;
        } else if (c.result === "invalid") {
          expect(verify(c, g.tagSize! / 8), `tcId ${c.tcId}: ${c.comment}`).toBe(false);
          invalid++;
        }
      }
    }
    expect(valid).toBeGreaterThan(20);
    expect(invalid).toBeGreaterThan(20);
  });
});

describe("HKDF-SHA256 (hkdf_sha256_test.json)", () => {
  const cases = load("hkdf_sha256_test.json").flatMap((g) => g.tests);

  it("valid cases derive the expected key material", () => {
    const valid = cases.filter((c) => c.result === "valid");
    for (const c of valid) {
      expect(hkdfSha256(hex(c.ikm), hex(c.salt), hex(c.info), Number(c.size)).toString("hex"), `tcId ${c.tcId}`).toBe(c.okm);
    }
    expect(valid.length).toBeGreaterThan(50);
  });

  it("invalid cases are rejected", () => {
    const invalid = cases.filter((c) => c.result === "invalid");
    for (const c of invalid) {
      expect(() => hkdfSha256(hex(c.ikm), hex(c.salt), hex(c.info), Number(c.size)), `tcId ${c.tcId}`).toThrow();
    }
    expect(invalid.length).toBeGreaterThan(0);
  });
});
