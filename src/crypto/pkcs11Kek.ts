// KEK_PROVIDER=pkcs11: the KEK is an AES-256 key on an HSM token (any PKCS#11 module:
// SoftHSM2 in tests, a network or cloud HSM in production), created non-extractable, so
// wrapping and unwrapping happen inside the token. Wrapped layout: iv (12) | wrapped key |
// tag (16), CKM_AES_GCM with the data key's tenant, version and id as additional data.
// A session that goes away (token removed, HSM restarted) is reopened once per operation;
// then the operation fails with KEK_UNAVAILABLE, having written nothing.
import { randomBytes } from "node:crypto";
import type * as Pkcs11Types from "pkcs11js";
import { KekError, type Kek } from "./kek.ts";
import { ckrCode, findSecretKey, openPkcs11Session, tokenGone, type Pkcs11Config, type Pkcs11Session, pkcs11 } from "./pkcs11Session.ts";

const PREFIX = "pkcs11:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const pkcs11KekId = (label: string) => `${PREFIX}${label}`;

const gcm = (iv: Buffer, aad: Buffer): Pkcs11Types.Mechanism => ({
  mechanism: pkcs11().CKM_AES_GCM,
  parameter: { type: pkcs11().CK_PARAMS_AES_GCM, iv, ivBits: IV_BYTES * 8, aad, tagBits: TAG_BYTES * 8 } as Pkcs11Types.GcmParams,
});

/** Opens the token and checks that the primary key is there: a start with a wrong PIN or no key stops here. */
export function createPkcs11Kek(config: Pkcs11Config): Kek {
  let session: Pkcs11Session | undefined = openPkcs11Session(config);
  const handles = new Map<string, Pkcs11Types.Handle>();
  const keyHandle = (s: Pkcs11Session, label: string) => {
    let handle = handles.get(label);
    if (handle === undefined) {
      handle = findSecretKey(s, label);
      if (handle === undefined) throw new KekError("KEK_KEY_MISSING", `no key labelled '${label}' on the token '${config.tokenLabel}'`);
      handles.set(label, handle);
    }
    return handle;
  };
  keyHandle(session, config.keyLabel);

  /** Runs op on a live session; a session gone with its token is reopened once. */
  const onToken = <T>(label: string, op: (s: Pkcs11Session, key: Pkcs11Types.Handle) => T): T => {
    for (let attempt = 0; ; attempt++) {
      try {
        session ??= openPkcs11Session(config);
        return op(session, keyHandle(session, label));
      } catch (err) {
        const transient = tokenGone(err) || (err instanceof KekError && ["KEK_TOKEN_MISSING", "KEK_UNAVAILABLE", "KEK_MODULE_UNAVAILABLE"].includes(err.code));
        if (!transient) throw err;
        session?.close();
        session = undefined;
        handles.clear();
        if (attempt > 0) throw new KekError("KEK_UNAVAILABLE", `the token '${config.tokenLabel}' is unavailable`, { cause: err });
      }
    }
  };

  return {
    primaryId: () => pkcs11KekId(config.keyLabel),
    async wrap(dek, aad) {
      const iv = randomBytes(IV_BYTES);
      const sealed = onToken(config.keyLabel, (s, key) => {
        s.p11.C_EncryptInit(s.handle, gcm(iv, aad), key);
        return Buffer.from(s.p11.C_Encrypt(s.handle, dek, Buffer.alloc(dek.length + TAG_BYTES)));
      });
      return { kekId: pkcs11KekId(config.keyLabel), wrapped: Buffer.concat([iv, sealed]) };
    },
    async unwrap(kekId, wrapped, aad) {
      if (!kekId.startsWith(PREFIX)) throw new KekError("KEK_KEY_MISSING", `${kekId} is not a PKCS#11 key`);
      if (wrapped.length <= IV_BYTES + TAG_BYTES) throw new KekError("KEK_UNWRAP_FAILED", "wrapped key is too short");
      const label = kekId.slice(PREFIX.length);
      return onToken(label, (s, key) => {
        s.p11.C_DecryptInit(s.handle, gcm(wrapped.subarray(0, IV_BYTES), aad), key);
        try {
          return Buffer.from(s.p11.C_Decrypt(s.handle, wrapped.subarray(IV_BYTES), Buffer.alloc(wrapped.length)));
        } catch (err) {
          if (tokenGone(err)) throw err;
          throw new KekError("KEK_UNWRAP_FAILED", `a key wrapped under ${kekId} failed authentication (${ckrCode(err) ?? "?"})`, { cause: err });
        }
      });
    },
    async close() {
      session?.close();
      session = undefined;
    },
  };
}

/** Generates a KEK on the token: AES-256, sensitive, never extractable. Refuses a label in use. */
export function generatePkcs11Kek(config: Pkcs11Config, label: string): void {
  const s = openPkcs11Session(config);
  try {
    if (findSecretKey(s, label) !== undefined) throw new KekError("KEK_KEY_MISSING", `a key labelled '${label}' is already on the token`);
    s.p11.C_GenerateKey(s.handle, { mechanism: pkcs11().CKM_AES_KEY_GEN }, [
      { type: pkcs11().CKA_CLASS, value: pkcs11().CKO_SECRET_KEY },
      { type: pkcs11().CKA_KEY_TYPE, value: pkcs11().CKK_AES },
      { type: pkcs11().CKA_VALUE_LEN, value: 32 },
      { type: pkcs11().CKA_LABEL, value: label },
      { type: pkcs11().CKA_TOKEN, value: true },
      { type: pkcs11().CKA_PRIVATE, value: true },
      { type: pkcs11().CKA_SENSITIVE, value: true },
      { type: pkcs11().CKA_EXTRACTABLE, value: false },
      { type: pkcs11().CKA_ENCRYPT, value: true },
      { type: pkcs11().CKA_DECRYPT, value: true },
    ]);
  } finally {
    s.close();
  }
}
