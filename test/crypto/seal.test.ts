// seal / openSealed: round trips, and every way a sealed value can be moved, relabelled,
// tampered with or truncated fails closed with a typed error.
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeAad, type SealContext } from "../../src/crypto/aad.ts";
import { createSealer, SEAL_OVERHEAD, sealedKeyVersion } from "../../src/crypto/seal.ts";
import { createSealCounter } from "../../src/crypto/sealCounter.ts";
import { SealError } from "../../src/crypto/sealError.ts";
import { freshKeyringDocument, keyringFrom, rotateKeyringDocument } from "../support/keyrings.ts";
import { tenantHash } from "../support/tenant.ts";

const doc = freshKeyringDocument();
const sealer = createSealer(keyringFrom(doc));
const ctxA: SealContext = { userHash: tenantHash("A"), table: "memory_chunks", field: "text", rowId: "0b1c6f4e-2f1c-4a4b-9a56-6f3b1d2c3e4f" };

const expectSealError = (fn: () => unknown, code: string) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SealError);
    expect((err as SealError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, but it opened`);
};

describe("seal and openSealed", () => {
  it.each([
    ["empty", Buffer.alloc(0)],
    ["1 byte", Buffer.from([0x42])],
    ["1 MiB", randomBytes(1024 * 1024)],
  ])("round-trips a %s payload with %d bytes of overhead", (_label, plaintext) => {
    const blob = sealer.seal(plaintext, ctxA);
    expect(blob.length).toBe(plaintext.length + SEAL_OVERHEAD);
    expect(SEAL_OVERHEAD).toBe(33);
    expect(sealer.openSealed(blob, ctxA).equals(plaintext)).toBe(true);
  });

  it("round-trips random payloads and contexts (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.record({ userHash: fc.string({ minLength: 1 }), table: fc.string({ minLength: 1 }), field: fc.string({ minLength: 1 }), rowId: fc.uuid() }),
        (plaintext, ctx) => {
          expect(Buffer.from(sealer.openSealed(sealer.seal(plaintext, ctx), ctx)).equals(Buffer.from(plaintext))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("uses a fresh nonce every time", () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 1000; i++) nonces.add(sealer.seal(Buffer.from("same"), ctxA).subarray(5, 17).toString("hex"));
    expect(nonces.size).toBe(1000);
  });

  it("fails when any single bit of header, nonce, ciphertext or tag is flipped", () => {
    const blob = sealer.seal(Buffer.from("the secret memory of tenant A"), ctxA);
    for (let byte = 0; byte < blob.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(blob);
        tampered[byte]! ^= 1 << bit;
        expect(() => sealer.openSealed(tampered, ctxA), `byte ${byte} bit ${bit}`).toThrow(SealError);
      }
    }
  });

  it("fails for tenant A's blob under tenant B's AAD, and for another row, field or table", () => {
    const blob = sealer.seal(Buffer.from("A's memory"), ctxA);
    for (const moved of [
      { ...ctxA, userHash: tenantHash("B") },
      { ...ctxA, rowId: "0b1c6f4e-2f1c-4a4b-9a56-6f3b1d2c3e40" },
      { ...ctxA, field: "meta" },
      { ...ctxA, table: "chunk_ingest" },
    ]) {
      expectSealError(() => sealer.openSealed(blob, moved), "SEAL_AUTH_FAILED");
    }
  });

  it("encodes AAD unambiguously (no concatenation collisions)", () => {
    const a = encodeAad({ userHash: "ab", table: "c", field: "f", rowId: "r" }, 1, 1);
    const b = encodeAad({ userHash: "a", table: "bc", field: "f", rowId: "r" }, 1, 1);
    expect(a.equals(b)).toBe(false);
    const blob = sealer.seal(Buffer.from("x"), { userHash: "ab", table: "c", field: "f", rowId: "r" });
    expectSealError(() => sealer.openSealed(blob, { userHash: "a", table: "bc", field: "f", rowId: "r" }), "SEAL_AUTH_FAILED");
  });

  it("fails closed on an unknown key id, and on a blob relabelled with another key id", () => {
    const rotated = rotateKeyringDocument(doc);
    const both = createSealer(keyringFrom(rotated));
    const blob = sealer.seal(Buffer.from("x"), ctxA); // version 1
    const relabelled = Buffer.from(blob);
    relabelled.writeUInt32BE(2, 1);
    expectSealError(() => both.openSealed(relabelled, ctxA), "SEAL_AUTH_FAILED");
    const unknown = Buffer.from(blob);
    unknown.writeUInt32BE(99, 1);
    expectSealError(() => both.openSealed(unknown, ctxA), "SEAL_UNKNOWN_KEY");
  });

  it("fails on truncated blobs and unknown formats", () => {
    const blob = sealer.seal(Buffer.from("hello"), ctxA);
    for (let len = 0; len < blob.length; len++) {
      expect(() => sealer.openSealed(blob.subarray(0, len), ctxA), `length ${len}`).toThrow(SealError);
    }
    const future = Buffer.from(blob);
    future[0] = 3; // 1: the keyring's, 2: a tenant's own key
    expectSealError(() => sealer.openSealed(future, ctxA), "SEAL_MALFORMED");
  });

  it("opens old-version blobs after rotation and seals new ones with the new primary", () => {
    const old = sealer.seal(Buffer.from("sealed before rotation"), ctxA);
    const rotatedSealer = createSealer(keyringFrom(rotateKeyringDocument(doc)));
    expect(rotatedSealer.openSealed(old, ctxA).toString()).toBe("sealed before rotation");
    const fresh = rotatedSealer.seal(Buffer.from("after"), ctxA);
    expect(sealedKeyVersion(old)).toBe(1);
    expect(sealedKeyVersion(fresh)).toBe(2);
    // The old keyring cannot open what the new primary sealed.
    expectSealError(() => sealer.openSealed(fresh, ctxA), "SEAL_UNKNOWN_KEY");
  });

  it("a different keyring cannot open the blob", () => {
    const other = createSealer(keyringFrom(freshKeyringDocument()));
    expectSealError(() => other.openSealed(sealer.seal(Buffer.from("x"), ctxA), ctxA), "SEAL_AUTH_FAILED");
  });

  it("rejects empty context parts", () => {
    expectSealError(() => sealer.seal(Buffer.from("x"), { ...ctxA, userHash: "" }), "SEAL_BAD_INPUT");
  });

  it("error messages carry neither plaintext nor key material", () => {
    const secret = "tenant A's deepest secret";
    const blob = sealer.seal(Buffer.from(secret), ctxA);
    let caught: unknown;
    try {
      sealer.openSealed(blob, { ...ctxA, userHash: tenantHash("B") });
    } catch (err) {
      caught = err;
    }
    // It must fail (another tenant's AAD), and its error must leak nothing.
    expect(caught).toBeInstanceOf(SealError);
    {
      const err = caught;
      const text = `${(err as Error).message} ${String((err as Error).cause)} ${JSON.stringify(err)}`;
      expect(text).not.toContain(secret);
      for (const k of [...doc.keys.map((k) => k.key), doc.userHashKey]) {
        expect(text).not.toContain(k);
        expect(text).not.toContain(Buffer.from(k, "base64").toString("hex"));
      }
    }
  });
});

describe("seal counter", () => {
  it("warns at the threshold once and refuses at the limit", () => {
    const warnings: [number, number][] = [];
    const counter = createSealCounter({ warnAt: 3, limit: 5, onWarn: (v, n) => warnings.push([v, n]) });
    const limited = createSealer(keyringFrom(doc), { counter });
    for (let i = 0; i < 5; i++) limited.seal(Buffer.from("x"), ctxA);
    expect(warnings).toEqual([[1, 3]]);
    expect(counter.count(1)).toBe(5);
    expectSealError(() => limited.seal(Buffer.from("x"), ctxA), "SEAL_KEY_EXHAUSTED");
  });

  it("with a reserver, seals only what it reserved, in blocks, and warns from the reserved total", async () => {
    const calls: [number, number][] = [];
    let total = 2 ** 30 - 4;
    const warnings: number[] = [];
    const counter = createSealCounter({
      blockSize: 4,
      reserver: async (version, seals) => {
        calls.push([version, seals]);
        return (total += seals);
      },
      onWarn: (_v, n) => warnings.push(n),
    });
    const reserving = createSealer(keyringFrom(doc), { counter });
    expectSealError(() => reserving.seal(Buffer.from("x"), ctxA), "SEAL_KEY_EXHAUSTED"); // nothing reserved yet
    await counter.reserve(1, 3);
    expect(calls).toEqual([[1, 4]]);
    expect(warnings).toEqual([2 ** 30]);
    for (let i = 0; i < 4; i++) reserving.seal(Buffer.from("x"), ctxA);
    expectSealError(() => reserving.seal(Buffer.from("x"), ctxA), "SEAL_KEY_EXHAUSTED"); // the block is spent
    await counter.reserve(1, 10);
    expect(calls).toEqual([[1, 4], [1, 10]]);
  });

  it("two callers that each reserved the last seal of a block both seal (the second gets a new block, not SEAL_KEY_EXHAUSTED)", async () => {
    let total = 0;
    const counter = createSealCounter({ blockSize: 2, reserver: async (_v, seals) => (total += seals) });
    const sealer = createSealer(keyringFrom(doc), { counter });
    await counter.reserve(1, 1);
    sealer.seal(Buffer.from("x"), ctxA); // one seal of the first block left
    // Both reserve before either seals, as two requests do when their awaits interleave.
    await Promise.all([counter.reserve(1, 1), counter.reserve(1, 1)]);
    sealer.seal(Buffer.from("x"), ctxA);
    sealer.seal(Buffer.from("x"), ctxA);
    expect(counter.count(1)).toBe(3);
    expect(total).toBe(4);
  });

  it("without a reserver, defaults to NIST SP 800-38D's 2^32 per process", () => {
    expect(createSealCounter().limit).toBe(2 ** 32);
    expect(createSealCounter({ reserver: async () => 0 }).limit).toBe(2 ** 32);
  });

  it("without a reserver, refuses the seal past its limit, naming the fix", () => {
    const counter = createSealCounter({ limit: 2 });
    counter.record(1);
    counter.record(1);
    expect(() => counter.record(1)).toThrow(/rotate/);
    expect(counter.count(1)).toBe(2);
  });
});
