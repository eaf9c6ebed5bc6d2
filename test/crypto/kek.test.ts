// Key-encryption keys: the keyring's (derived per version) and a PKCS#11 token's (the run's
// SoftHSM2 token, softHsm.ts), behind one interface. A wrapped key opens only under its own
// KEK and its own additional data (tenant, version, id); a KEK the provider does not hold
// is KEK_KEY_MISSING; the token's key cannot be read out.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { PKCS11_SKIP_REASON } from "../support/kekEnv.ts";
import { readKekConfig } from "../../src/config/kekConfig.ts";
import { dekAad, type Kek } from "../../src/crypto/kek.ts";
import { parseKeyring, rotateKeyringDocument } from "../../src/crypto/keyring.ts";
import { createKeyringKek } from "../../src/crypto/keyringKek.ts";
import { createPkcs11Kek } from "../../src/crypto/pkcs11Kek.ts";
import { findSecretKey, openPkcs11Session, pkcs11 } from "../../src/crypto/pkcs11Session.ts";
import { freshKeyringDocument } from "../support/keyrings.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);
const KEY_ID = "6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b";

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

function behavesAsAKek(name: string, skip: boolean, make: () => Kek) {
  describe.skipIf(skip)(skip ? `${name}: skipped, ${PKCS11_SKIP_REASON}` : name, () => {
    it("unwraps what it wrapped, only with the same tenant, version and key id", async () => {
      const kek = make();
      const dek = randomBytes(32);
      const { kekId, wrapped } = await kek.wrap(dek, dekAad(A, 1, KEY_ID));
      expect(kekId).toBe(kek.primaryId());
      expect(wrapped.includes(dek)).toBe(false);
      expect((await kek.unwrap(kekId, wrapped, dekAad(A, 1, KEY_ID))).equals(dek)).toBe(true);
      // Another tenant's row, another version, another id: a wrapped key moved by a DBA does not open.
      for (const aad of [dekAad(B, 1, KEY_ID), dekAad(A, 2, KEY_ID), dekAad(A, 1, KEY_ID.replace("6f", "7f"))]) {
        expect(await codeOf(kek.unwrap(kekId, wrapped, aad))).toBe("KEK_UNWRAP_FAILED");
      }
      const flipped = Buffer.from(wrapped);
      flipped[flipped.length - 1]! ^= 1;
      expect(await codeOf(kek.unwrap(kekId, flipped, dekAad(A, 1, KEY_ID)))).toBe("KEK_UNWRAP_FAILED");
      expect(await codeOf(kek.unwrap(`${kekId}-gone`, wrapped, dekAad(A, 1, KEY_ID)))).toBe("KEK_KEY_MISSING");
      await kek.close();
    });
  });
}

behavesAsAKek("the keyring's KEK", false, () => {
  const keyring = parseKeyring("test", JSON.stringify(freshKeyringDocument()));
  return createKeyringKek(() => keyring);
});

behavesAsAKek("a PKCS#11 token's KEK (SoftHSM2)", !inject("kek"), () => {
  const config = readKekConfig();
  if (config.provider !== "pkcs11") throw new Error("the run's token is not configured (scripts/softHsmToken.ts)");
  return createPkcs11Kek(config.pkcs11);
});

describe("KEK rotation with the keyring", () => {
  it("a key wrapped under the old version still unwraps after a rotation, and new keys are wrapped under the new one", async () => {
    const doc = freshKeyringDocument();
    let keyring = parseKeyring("test", JSON.stringify(doc));
    const kek = createKeyringKek(() => keyring);
    const dek = randomBytes(32);
    const old = await kek.wrap(dek, dekAad(A, 1, KEY_ID));
    keyring = parseKeyring("test", JSON.stringify(rotateKeyringDocument(doc)));
    expect(kek.primaryId()).toBe("keyring:2");
    expect((await kek.unwrap(old.kekId, old.wrapped, dekAad(A, 1, KEY_ID))).equals(dek)).toBe(true);
    expect((await kek.wrap(dek, dekAad(A, 1, KEY_ID))).kekId).toBe("keyring:2");
  });
});

describe.skipIf(!inject("kek"))(inject("kek") ? "the token's KEK" : `the token's KEK: skipped, ${PKCS11_SKIP_REASON}`, () => {
  it("is sensitive and never extractable: its value cannot be read from the token", () => {
    const config = readKekConfig();
    if (config.provider !== "pkcs11") throw new Error("the run's token is not configured");
    const session = openPkcs11Session(config.pkcs11);
    try {
      const key = findSecretKey(session, config.pkcs11.keyLabel)!;
      const [sensitive, extractable] = session.p11.C_GetAttributeValue(session.handle, key, [{ type: pkcs11().CKA_SENSITIVE }, { type: pkcs11().CKA_EXTRACTABLE }]);
      expect((sensitive!.value as Buffer)[0]).toBe(1);
      expect((extractable!.value as Buffer)[0]).toBe(0);
      expect(() => session.p11.C_GetAttributeValue(session.handle, key, [{ type: pkcs11().CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    } finally {
      session.close();
    }
  });
});
