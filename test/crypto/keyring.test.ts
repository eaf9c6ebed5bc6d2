// The keyring fails closed, names the variable, never echoes a key, and hmacUser is a
// deterministic, peppered tenant key.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/configError.ts";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { TERM_HASH_BYTES, termHash } from "../../src/crypto/blindIndex.ts";
import { parseKeyring, readKeyringFile } from "../../src/crypto/keyring.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { freshKeyringDocument, keyringFrom, rotateKeyringDocument } from "../support/keyrings.ts";

const b64 = (n: number) => randomBytes(n).toString("base64");
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function rejects(doc: unknown, message: RegExp) {
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  let error: unknown;
  try {
    parseKeyring("MEMVAULT_KEYRING", text);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toMatch(/^MEMVAULT_KEYRING: /);
  expect((error as Error).message).toMatch(message);
  // Whatever was wrong, the message quotes no key.
  for (const m of text.matchAll(/[A-Za-z0-9+/]{20,}={0,2}/g)) expect((error as Error).message).not.toContain(m[0]);
}

describe("keyring", () => {
  const good = () => freshKeyringDocument();

  it("loads a fresh keyring", () => {
    const k = keyringFrom(good());
    expect(k.primaryVersion).toBe(1);
    expect(k.versions).toEqual([1]);
  });

  it.each([
    ["not JSON", "{nope", /valid JSON/],
    ["no keys", { primary: 1, keys: [], userHashKey: b64(32) }, /non-empty "keys"/],
    ["a short key", { primary: 1, keys: [{ version: 1, key: b64(16) }], userHashKey: b64(32) }, /32 bytes/],
    ["a long key", { primary: 1, keys: [{ version: 1, key: b64(48) }], userHashKey: b64(32) }, /32 bytes/],
    ["a non-base64 key", { primary: 1, keys: [{ version: 1, key: "not base64 at all!!" }], userHashKey: b64(32) }, /base64/],
    ["an all-zero key", { primary: 1, keys: [{ version: 1, key: Buffer.alloc(32).toString("base64") }], userHashKey: b64(32) }, /constant byte pattern/],
    ["a duplicated version", { primary: 1, keys: [{ version: 1, key: b64(32) }, { version: 1, key: b64(32) }], userHashKey: b64(32) }, /appears twice/],
    ["a bad version", { primary: 0, keys: [{ version: 0, key: b64(32) }], userHashKey: b64(32) }, /version/],
    ["a missing primary", { primary: 3, keys: [{ version: 1, key: b64(32) }], userHashKey: b64(32) }, /primary/],
    ["no user-hash key", { primary: 1, keys: [{ version: 1, key: b64(32) }] }, /userHashKey/],
  ])("refuses %s", (_label, doc, message) => rejects(doc, message));

  it("refuses the same key under two versions, and a pepper equal to a sealing key", () => {
    const key = b64(32);
    rejects({ primary: 1, keys: [{ version: 1, key }, { version: 2, key }], userHashKey: b64(32) }, /same key/);
    rejects({ primary: 1, keys: [{ version: 1, key }], userHashKey: key }, /must differ/);
  });

  it("never prints key material", () => {
    const doc = good();
    const k = keyringFrom(doc);
    const shown = `${inspect(k)} ${JSON.stringify(k)} ${String(k)}`;
    expect(shown).toContain("primary");
    for (const key of [...doc.keys.map((x) => x.key), doc.userHashKey]) expect(shown).not.toContain(key);
  });

  it("fails closed at start-up when no keyring is configured, naming the variable", () => {
    delete process.env.MEMVAULT_KEYRING;
    delete process.env.MEMVAULT_KEYRING_FILE;
    expect(() => createKeyringProvider().current()).toThrow(/^MEMVAULT_KEYRING: is not set/);
    process.env.MEMVAULT_KEYRING = JSON.stringify(good());
    process.env.MEMVAULT_KEYRING_FILE = "/nonexistent";
    expect(() => createKeyringProvider().current()).toThrow(/both set/);
  });

  it("reads a 0600 keyring file and refuses one readable by group or others", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvk-"));
    try {
      const file = path.join(dir, "keyring.json");
      fs.writeFileSync(file, JSON.stringify(good()), { mode: 0o600 });
      delete process.env.MEMVAULT_KEYRING;
      process.env.MEMVAULT_KEYRING_FILE = file;
      expect(createKeyringProvider().current().primaryVersion).toBe(1);
      fs.chmodSync(file, 0o640);
      expect(() => createKeyringProvider().current()).toThrow(/^MEMVAULT_KEYRING_FILE: .*readable by group or others/);
      expect(() => readKeyringFile("MEMVAULT_KEYRING_FILE", path.join(dir, "missing.json"))).toThrow(/cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("picks up a rotated keyring file, but refuses a reload that changes the pepper", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvk-"));
    try {
      const file = path.join(dir, "keyring.json");
      const doc = good();
      fs.writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
      const refusals: string[] = [];
      const provider = createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file }, (p) => refusals.push(p));
      const before = hmacUser(provider.current(), "user-1");
      const rotated = rotateKeyringDocument(doc);
      fs.writeFileSync(file, JSON.stringify(rotated), { mode: 0o600 });
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000));
      expect(provider.current().primaryVersion).toBe(2);
      fs.writeFileSync(file, JSON.stringify({ ...rotated, userHashKey: randomBytes(32).toString("base64") }), { mode: 0o600 });
      fs.utimesSync(file, new Date(), new Date(Date.now() + 10_000));
      expect(provider.current().primaryVersion).toBe(2);
      expect(hmacUser(provider.current(), "user-1")).toBe(before); // every tenant keeps its key
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatch(/userHashKey/);
      expect(refusals[0]).not.toContain(doc.userHashKey);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hmacUser", () => {
  const doc = freshKeyringDocument();
  const k = keyringFrom(doc);

  it("is deterministic lowercase hex, the same from a second load of the same keyring", () => {
    const h = hmacUser(k, "user-42");
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hmacUser(keyringFrom(doc), "user-42")).toBe(h);
    expect(hmacUser(k, "user-43")).not.toBe(h);
  });

  it("changes with the pepper, and ignores the sealing keys", () => {
    const otherPepper = { ...doc, userHashKey: b64(32) };
    expect(hmacUser(keyringFrom(otherPepper), "user-42")).not.toBe(hmacUser(k, "user-42"));
    const otherSealKeys = { ...doc, keys: [{ version: 1, key: b64(32) }] };
    expect(hmacUser(keyringFrom(otherSealKeys), "user-42")).toBe(hmacUser(k, "user-42"));
  });

  it("keyword term hashes survive a key rotation (the term key comes from the pepper) and differ from label hashes and across tenants", () => {
    const rotated = keyringFrom(rotateKeyringDocument(doc));
    expect(termHash(rotated.termKey, "a".repeat(64), "quokka")).toEqual(termHash(k.termKey, "a".repeat(64), "quokka"));
    expect(termHash(k.termKey, "b".repeat(64), "quokka")).not.toEqual(termHash(k.termKey, "a".repeat(64), "quokka"));
    expect(termHash(k.labelKey, "a".repeat(64), "quokka")).not.toEqual(termHash(k.termKey, "a".repeat(64), "quokka"));
    expect(termHash(k.termKey, "a".repeat(64), "quokka")).toHaveLength(TERM_HASH_BYTES);
  });

  it("rejects empty and oversized user ids", () => {
    expect(() => hmacUser(k, "")).toThrow(/non-empty/);
    expect(() => hmacUser(k, "x".repeat(1025))).toThrow(/at most 1024/);
  });
});
