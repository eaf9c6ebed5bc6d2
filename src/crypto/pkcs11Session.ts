// One logged-in session on a PKCS#11 token, found by its label: the module loaded and
// initialised once per process, the PIN read from its file at open (never kept in an
// error or a log). Library failures become KekErrors by their CKR_ code, not their text.
import fs from "node:fs";
import { createRequire } from "node:module";
import type * as Pkcs11Types from "pkcs11js";
import type { Pkcs11Config } from "../config/kekConfig.ts";
import { KekError, type KekErrorCode } from "./kek.ts";

export type { Pkcs11Config };

type Pkcs11Module = typeof Pkcs11Types;
let loaded: Pkcs11Module | undefined;
/**
 * The binding, loaded on first use only: a process that never uses PKCS#11 never maps it
 * (Debian 13's SoftHSM2 and the binding crash a Node 24 process at exit once loaded).
 */
export function pkcs11(): Pkcs11Module {
  loaded ??= createRequire(import.meta.url)("pkcs11js") as Pkcs11Module;
  return loaded;
}

const modules = new Map<string, Pkcs11Types.PKCS11>();

/** The CKR_ codes that mean the token or session went away (reopen, then fail as KEK_UNAVAILABLE). */
const gone = () => {
  const p = pkcs11();
  return new Set([p.CKR_DEVICE_REMOVED, p.CKR_TOKEN_NOT_PRESENT, p.CKR_SESSION_HANDLE_INVALID, p.CKR_SESSION_CLOSED, p.CKR_DEVICE_ERROR, p.CKR_USER_NOT_LOGGED_IN, p.CKR_OBJECT_HANDLE_INVALID, p.CKR_KEY_HANDLE_INVALID]);
};

export const ckrCode = (err: unknown): number | undefined => (err instanceof pkcs11().Pkcs11Error ? (err as Pkcs11Types.Pkcs11Error).code : undefined);
export const tokenGone = (err: unknown) => gone().has(ckrCode(err) ?? -1);

function fail(code: KekErrorCode, message: string, cause?: unknown): never {
  throw new KekError(code, message, cause === undefined ? undefined : { cause });
}

function loadModule(file: string): Pkcs11Types.PKCS11 {
  const loaded = modules.get(file);
  if (loaded) return loaded;
  const p11 = new (pkcs11().PKCS11)();
  try {
    p11.load(file);
    p11.C_Initialize();
  } catch (err) {
    if (ckrCode(err) !== pkcs11().CKR_CRYPTOKI_ALREADY_INITIALIZED) fail("KEK_MODULE_UNAVAILABLE", `cannot load the PKCS#11 module ${file}`, err);
  }
  if (modules.size === 0) process.once("exit", finalizeModules);
  modules.set(file, p11);
  return p11;
}

/**
 * C_Finalize for every loaded module as the process exits: a module left initialised may
 * crash in its own teardown (SoftHSM2 2.6 with OpenSSL 3, as Debian 13 ships them, exits
 * with a signal after the work is done), which would make a successful command fail.
 */
function finalizeModules(): void {
  for (const p11 of modules.values()) {
    try {
      p11.C_Finalize();
    } catch {
      // already finalised, or the module is gone: nothing left to tidy
    }
  }
  modules.clear();
}

function readPin(pin: Pkcs11Config["pin"]): string {
  if ("value" in pin) return pin.value;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(pin.file);
  } catch (err) {
    return fail("KEK_PIN_INCORRECT", `cannot read the PIN file ${pin.file}`, err);
  }
  if ((stat.mode & 0o077) !== 0) fail("KEK_PIN_INCORRECT", `the PIN file ${pin.file} is readable by group or others: chmod 600 it`);
  return fs.readFileSync(pin.file, "utf8").trim();
}

export interface Pkcs11Session {
  readonly p11: Pkcs11Types.PKCS11;
  readonly handle: Pkcs11Types.Handle;
  close(): void;
}

function findSlot(p11: Pkcs11Types.PKCS11, tokenLabel: string): Pkcs11Types.Handle {
  try {
    for (const slot of p11.C_GetSlotList(true)) {
      if (p11.C_GetTokenInfo(slot).label.trim() === tokenLabel) return slot;
    }
  } catch (err) {
    fail("KEK_TOKEN_MISSING", `cannot list the tokens of the PKCS#11 module`, err);
  }
  return fail("KEK_TOKEN_MISSING", `no token labelled '${tokenLabel}' is present`);
}

/** Opens and logs in; KEK_TOKEN_MISSING, KEK_PIN_INCORRECT or KEK_MODULE_UNAVAILABLE when it cannot. */
export function openPkcs11Session(config: Pkcs11Config): Pkcs11Session {
  const p11 = loadModule(config.module);
  const handle = p11.C_OpenSession(findSlot(p11, config.tokenLabel), pkcs11().CKF_SERIAL_SESSION | pkcs11().CKF_RW_SESSION);
  try {
    p11.C_Login(handle, pkcs11().CKU_USER, readPin(config.pin));
  } catch (err) {
    const code = ckrCode(err);
    if (code !== pkcs11().CKR_USER_ALREADY_LOGGED_IN) {
      p11.C_CloseSession(handle);
      if (err instanceof KekError) throw err;
      const pinProblem = code === pkcs11().CKR_PIN_INCORRECT || code === pkcs11().CKR_PIN_LOCKED || code === pkcs11().CKR_PIN_LEN_RANGE;
      fail(pinProblem ? "KEK_PIN_INCORRECT" : "KEK_UNAVAILABLE", `the token '${config.tokenLabel}' refused the login`, err);
    }
  }
  return {
    p11,
    handle,
    close() {
      try {
        p11.C_CloseSession(handle);
      } catch {
        // already gone with its token
      }
    },
  };
}

/** The handle of the secret key labelled so, or undefined. */
export function findSecretKey(s: Pkcs11Session, label: string): Pkcs11Types.Handle | undefined {
  s.p11.C_FindObjectsInit(s.handle, [
    { type: pkcs11().CKA_CLASS, value: pkcs11().CKO_SECRET_KEY },
    { type: pkcs11().CKA_LABEL, value: label },
  ]);
  try {
    return s.p11.C_FindObjects(s.handle) ?? undefined;
  } finally {
    s.p11.C_FindObjectsFinal(s.handle);
  }
}
