// Wycheproof vectors (../shared/testdata/wycheproof, read in place): every valid case
// with a 96-bit IV passes, every invalid case is rejected.
import { createSecretKey, createHmac, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gcmDecrypt, gcmEncrypt } from "../../src/crypto/aesGcm.ts";
import { hkdfSha256 } from "../../src/crypto/hkdf.ts";
import { config } from "../../src/config.ts";

const DIR = path.join(config.sharedDir(), "testdata", "wycheproof");
type Case = { tcId: number; result: "valid" | "invalid" | "acceptable"; comment: string; [field: string]: string | number };
type Group = { tests: Case[]; ivSize?: number; keySize?: number; tagSize?: number };
const load = (file: string) => (JSON.parse(fs.readFileSync(path.join(DIR, file), "utf8")) as { testGroups: Group[] }).testGroups;
const hex = (s: string | number | undefined) => Buffer.from(String(s ?? ""), "hex");

describe("AES-GCM (aes_gcm_test.json)", () => {
  const groups = load("aes_gcm_test.json");
  const cases: (Case & { ivSize: number })[] = groups.flatMap((g) => g.tests.map((t) => Object.assign({}, t, { ivSize: g.ivSize! })));

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

  it("every invalid case is rejected", () => {
    let checked = 0;
    for (const c of cases.filter((c) => c.result === "invalid")) {
      const key = createSecretKey(hex(c.key));
      expect(() => gcmDecrypt(key, hex(c.iv), hex(c.aad), hex(c.ct), hex(c.tag)), `tcId ${c.tcId}: ${c.comment}`).toThrow();
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
    const full = createHmac("sha256", hex(c.key)).update(hex(c.msg)).digest();
    const tag = hex(c.tag);
    return tag.length === tagBytes && timingSafeEqual(full.subarray(0, tagBytes), tag);
  };

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
