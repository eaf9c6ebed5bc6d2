// A real PKCS#11 token for tests and benches: SoftHSM2 (Debian's softhsm2), a token of its
// own in a temporary directory, its user PIN in a 0600 file, and a key-encryption key made
// on it by `memvault keys kek-create`, as an operator makes one. The test suite wraps every
// tenant's data keys on one (KEK_PROVIDER=pkcs11): the sealing path of every test goes
// through the token.
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../src/projectRoot.ts";

export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";
export const TEST_TOKEN = "memvault-test";
export const TEST_KEK = "memvault-kek-1";

/** The variables a process needs to use the token (and SoftHSM2's own, for its token directory). */
export type KekEnv = Record<"KEK_PROVIDER" | "PKCS11_MODULE" | "PKCS11_TOKEN_LABEL" | "PKCS11_PIN_FILE" | "PKCS11_KEY_LABEL" | "SOFTHSM2_CONF", string>;

export interface SoftHsm {
  dir: string;
  env: KekEnv;
  /** A token of the given label in the same directory (its own PIN file), for tests that break or remove one. */
  addToken(label: string): KekEnv;
  remove(): void;
}

function initToken(conf: string, dir: string, label: string): string {
  const pin = randomBytes(8).toString("hex");
  const pinFile = path.join(dir, `${label}.pin`);
  fs.writeFileSync(pinFile, pin, { mode: 0o600 });
  const init = spawnSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", randomBytes(8).toString("hex")], { env: { ...process.env, SOFTHSM2_CONF: conf }, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`softhsm2-util --init-token failed (is softhsm2 installed? npm test provisions it): ${init.stderr}`);
  return pinFile;
}

/**
 * Whether a Node process that has loaded SoftHSM2 exits cleanly. Debian 13's softhsm2 (with
 * its OpenSSL 3.5) crashes in the process's exit handlers under Node 24, whose OpenSSL is
 * built in: the work is done, but the exit status is a SIGSEGV. Debian 12's does not; a
 * Node linked to the system's OpenSSL does not either.
 */
export function softHsmExitsCleanly(): boolean {
  if (!fs.existsSync(SOFTHSM_MODULE)) return false;
  const probe = spawnSync(process.execPath, ["-e", `const p = require("pkcs11js"); new p.PKCS11().load(${JSON.stringify(SOFTHSM_MODULE)});`], { cwd: PROJECT_ROOT, encoding: "utf8" });
  return probe.status === 0;
}

export function createSoftHsm(): SoftHsm {
  if (!fs.existsSync(SOFTHSM_MODULE)) throw new Error(`${SOFTHSM_MODULE} is missing: install softhsm2 (npm test provisions it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvhsm-"));
  fs.mkdirSync(path.join(dir, "tokens"), { mode: 0o700 });
  const conf = path.join(dir, "softhsm2.conf");
  fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const addToken = (label: string, keyLabel = TEST_KEK): KekEnv => {
    const env: KekEnv = { KEK_PROVIDER: "pkcs11", PKCS11_MODULE: SOFTHSM_MODULE, PKCS11_TOKEN_LABEL: label, PKCS11_PIN_FILE: initToken(conf, dir, label), PKCS11_KEY_LABEL: keyLabel, SOFTHSM2_CONF: conf };
    const made = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "keys", "kek-create", "--label", keyLabel], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });
    if (made.status !== 0) throw new Error(`memvault keys kek-create failed: ${made.stderr}`);
    return env;
  };
  return { dir, env: addToken(TEST_TOKEN), addToken, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
